/**
 * The OAuth flows that talk to the authorization server: refresh, browser sign-in (client
 * identity, PKCE, loopback callback, code exchange) and the client-credentials grant, each
 * returning the new access token and the `.env` changes to persist. Every request and response
 * check goes through oauth4webapi request/process pairs. This module is loaded with a dynamic
 * `import()` only when a token must be obtained, so the proxy starts without oauth4webapi. It
 * runs under the caller's state lock and never writes to stdout or reads stdin.
 *
 * @module
 */

import * as oauth from "oauth4webapi";
import { withDeadline } from "../async.ts";
import { canonicalServerUrl } from "../config/state_path.ts";
import { BROWSER_SETTLE_MS } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { registerSecret } from "../log.ts";
import {
  buildAuthorizationUrl,
  buildRegistrationMetadata,
  chooseAuthMethod,
  chooseRegistrationAuthMethod,
  requirePkceS256,
} from "./authorize.ts";
import { openBrowser, startWaitingIndicator, validateAuthorizationUrl } from "./browser.ts";
import { requestOptions } from "./discovery.ts";
import {
  defaultCallbackPort,
  formatRedirectUri,
  parseRedirectPort,
  startCallbackServer,
} from "./loopback.ts";
import { toOAuthBridgeError } from "./oauth_errors.ts";
import { withOfflineAccess } from "./scope.ts";
import { redeemIdJag, requestIdJag } from "./cross_app.ts";
import type { DiscoveryResult, ExternalClient, FlowContext, Grant } from "./types.ts";
import {
  CLIENT_KEYS,
  MCP_CLIENT_AUTH_METHOD,
  MCP_CLIENT_ID,
  MCP_CLIENT_ISSUER,
  MCP_CLIENT_REDIRECT_URI,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
  MCP_CLIENT_RESOURCE,
  MCP_CLIENT_SECRET,
  MCP_CLIENT_TOKEN_ENDPOINT,
} from "./state_keys.ts";
import { type ClientAuthMethod, formatTokenChanges, type StoredAuth } from "./token_state.ts";
import {
  type ClientCredentialsMaterial,
  type ClientKey,
  createClientAuth,
  hasClientKey,
  readClientKey,
} from "./client_auth.ts";

interface ClientIdentity {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  method: ClientAuthMethod;
  /** Changes describing the identity, persisted before the browser opens. */
  changes: Record<string, string | undefined>;
}

function identity(
  clientId: string,
  material: ClientCredentialsMaterial,
  method: ClientAuthMethod,
  changes: Record<string, string | undefined> = {},
): ClientIdentity {
  registerSecret(material.secret);
  return {
    client: { client_id: clientId, token_endpoint_auth_method: method },
    auth: createClientAuth(method, material),
    method,
    changes,
  };
}

/** The configured private key for `private_key_jwt`, imported for this server's algorithms. */
export async function configuredClientKey(
  context: FlowContext,
  as: oauth.AuthorizationServer,
): Promise<ClientKey | undefined> {
  const algs = as.token_endpoint_auth_signing_alg_values_supported;
  return await readClientKey(context.settings.oauth.clientKey, Array.isArray(algs) ? algs : []);
}

/** The resource parameter to send, or undefined with --no-resource. */
export function resourceFor(context: FlowContext, discovery?: DiscoveryResult): string | undefined {
  if (context.settings.oauth.noResource) return undefined;
  return discovery?.resource ?? canonicalServerUrl(context.serverUrl);
}

/**
 * The client usable without registering: external (with `private_key_jwt` when a key is
 * configured), or stored for this issuer.
 */
function existingClient(
  as: oauth.AuthorizationServer,
  stored: StoredAuth,
  external: ExternalClient | undefined,
  key: ClientKey | undefined,
): ClientIdentity | undefined {
  if (external) {
    const method = key
      ? "private_key_jwt"
      : stored.clientId === external.clientId && stored.authMethod &&
          stored.authMethod !== "private_key_jwt"
      ? stored.authMethod
      : chooseAuthMethod(as, Boolean(external.clientSecret));
    return identity(external.clientId, { secret: external.clientSecret, key }, method);
  }
  if (!stored.clientId) return undefined;
  if (stored.issuer && stored.issuer !== as.issuer) return undefined;
  const method = stored.authMethod ?? chooseAuthMethod(as, Boolean(stored.clientSecret));
  return identity(
    stored.clientId,
    { secret: stored.clientSecret, key },
    method,
    stored.issuer ? {} : { [MCP_CLIENT_ISSUER]: as.issuer },
  );
}

async function registerClient(
  context: FlowContext,
  as: oauth.AuthorizationServer,
  redirectUri: string,
): Promise<ClientIdentity> {
  if (!as.registration_endpoint) {
    throw new BridgeError(
      "auth_required",
      "Cannot sign in: authorization server offers no dynamic client registration",
      { hint: "Register a client with the server, then set MCP_CLIENT_ID (and MCP_CLIENT_SECRET)" },
    );
  }
  const requested = chooseRegistrationAuthMethod(as);
  let registered: Awaited<ReturnType<typeof oauth.processDynamicClientRegistrationResponse>>;
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      buildRegistrationMetadata({ redirectUri, authMethod: requested }) as Partial<oauth.Client>,
      requestOptions(context, as.registration_endpoint),
    );
    registered = await oauth.processDynamicClientRegistrationResponse(
      await withSecretExpiry(response),
    );
  } catch (error) {
    throw toOAuthBridgeError(error, "register the client");
  }
  const secret = typeof registered.client_secret === "string"
    ? registered.client_secret
    : undefined;
  const token = typeof registered.registration_access_token === "string"
    ? registered.registration_access_token
    : undefined;
  registerSecret(secret);
  registerSecret(token);
  const granted = registered.token_endpoint_auth_method;
  const method: ClientAuthMethod =
    granted === "none" || granted === "client_secret_basic" || granted === "client_secret_post"
      ? granted
      : secret
      ? chooseAuthMethod(as, true)
      : "none";
  context.log.info(`Registered a new OAuth client with ${new URL(as.issuer).host}`);
  return identity(registered.client_id, { secret }, method, {
    ...Object.fromEntries(CLIENT_KEYS.map((key) => [key, undefined])),
    [MCP_CLIENT_ID]: registered.client_id,
    [MCP_CLIENT_SECRET]: secret,
    [MCP_CLIENT_REGISTRATION_TOKEN]: token,
    [MCP_CLIENT_REGISTRATION_URI]: typeof registered.registration_client_uri === "string"
      ? registered.registration_client_uri
      : undefined,
    [MCP_CLIENT_ISSUER]: as.issuer,
    [MCP_CLIENT_AUTH_METHOD]: method,
    [MCP_CLIENT_REDIRECT_URI]: redirectUri,
  });
}

/** Chooses the client identity for a browser sign-in: existing, CIMD, else registration. */
async function resolveBrowserClient(
  context: FlowContext,
  as: oauth.AuthorizationServer,
  stored: StoredAuth,
  external: ExternalClient | undefined,
  redirectUri: string,
): Promise<ClientIdentity> {
  const existing = existingClient(as, stored, external, await configuredClientKey(context, as));
  if (existing) return existing;
  if (stored.clientId) {
    context.log.info("Stored OAuth client belongs to another authorization server; replacing it");
  }
  const metadataUrl = context.settings.oauth.clientMetadataUrl;
  if (metadataUrl) {
    if (as.client_id_metadata_document_supported === true) {
      return identity(metadataUrl, {}, "none", {
        ...Object.fromEntries(CLIENT_KEYS.map((key) => [key, undefined])),
        [MCP_CLIENT_ID]: metadataUrl,
        [MCP_CLIENT_ISSUER]: as.issuer,
        [MCP_CLIENT_AUTH_METHOD]: "none",
      });
    }
    context.log.info(
      "Authorization server does not support client ID metadata documents; registering instead",
    );
  }
  return await registerClient(context, as, redirectUri);
}

function serverChanges(
  as: oauth.AuthorizationServer,
  resource: string | undefined,
): Record<string, string | undefined> {
  return {
    [MCP_CLIENT_ISSUER]: as.issuer,
    [MCP_CLIENT_TOKEN_ENDPOINT]: as.token_endpoint,
    [MCP_CLIENT_RESOURCE]: resource,
  };
}

/** Registers the issued secrets for redaction and turns a token response into a {@link Grant}. */
function createGrant(
  tokens: oauth.TokenEndpointResponse,
  options: {
    as: oauth.AuthorizationServer;
    resource: string | undefined;
    requestedScope: string | undefined;
    isRefresh: boolean;
    /** When the response arrived, in ms since the epoch. */
    now: number;
    extra?: Record<string, string | undefined>;
  },
): Grant {
  registerSecret(tokens.access_token);
  registerSecret(tokens.refresh_token);
  registerSecret(tokens.id_token);
  return {
    accessToken: tokens.access_token,
    changes: {
      ...options.extra,
      ...serverChanges(options.as, options.resource),
      ...formatTokenChanges(tokens, {
        now: options.now,
        requestedScope: options.requestedScope,
        isRefresh: options.isRefresh,
      }),
    },
  };
}

/** Options of {@link refreshTokens}. */
export interface RefreshOptions {
  stored: StoredAuth;
  external?: ExternalClient;
  /** Known discovery; when absent the stored issuer and token endpoint are used. */
  discovery?: DiscoveryResult;
  /** Runs discovery when the stored values are not enough. */
  discover: () => Promise<DiscoveryResult>;
}

/**
 * Exchanges the stored refresh token (RFC 6749 §6) with the stored scope and resource repeated.
 * A BridgeError with `details.oauthError` tells `invalid_grant` apart.
 */
export async function refreshTokens(context: FlowContext, options: RefreshOptions): Promise<Grant> {
  const { stored, external } = options;
  if (!stored.refreshToken) {
    throw new BridgeError("auth_required", "Cannot refresh access token: no refresh token stored");
  }
  const clientId = external?.clientId ?? stored.clientId;
  const secret = external ? external.clientSecret : stored.clientSecret;
  if (!clientId) {
    throw new BridgeError("auth_required", "Cannot refresh access token: no client id stored", {
      details: { oauthError: "invalid_client" },
    });
  }
  let discovery = options.discovery;
  let as: oauth.AuthorizationServer | undefined = discovery?.authorizationServer;
  if (!as && stored.issuer && stored.tokenEndpoint) {
    as = { issuer: stored.issuer, token_endpoint: stored.tokenEndpoint };
  }
  const hasKey = external !== undefined && hasClientKey(context.settings.oauth.clientKey);
  let method = hasKey
    ? "private_key_jwt"
    : stored.clientId === clientId
    ? stored.authMethod
    : undefined;
  if (!method && !secret) method = "none";
  if (!as || !method) {
    discovery = await options.discover();
    as = discovery.authorizationServer;
    method ??= chooseAuthMethod(as, Boolean(secret));
  }
  const key = method === "private_key_jwt" ? await configuredClientKey(context, as) : undefined;
  const client = identity(clientId, { secret, key }, method);
  const resource = context.settings.oauth.noResource
    ? undefined
    : stored.resource ?? resourceFor(context, discovery);
  const parameters: Record<string, string> = {};
  if (resource) parameters.resource = resource;
  if (stored.scope) parameters.scope = stored.scope;
  let tokens: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client.client,
      client.auth,
      stored.refreshToken,
      { ...requestOptions(context, as.token_endpoint), additionalParameters: parameters },
    );
    tokens = await oauth.processRefreshTokenResponse(as, client.client, response);
  } catch (error) {
    throw toOAuthBridgeError(error, "refresh access token");
  }
  return createGrant(tokens, {
    as,
    resource,
    requestedScope: stored.scope,
    isRefresh: true,
    now: (context.now ?? Date.now)(),
  });
}

/** Options of {@link signInWithBrowser}. */
export interface BrowserSignInOptions {
  discovery: DiscoveryResult;
  stored: StoredAuth;
  external?: ExternalClient;
  scope?: string;
}

/**
 * The authorization-code flow with PKCE S256 through the user's browser and a loopback
 * callback. Persists a newly registered client before the browser opens.
 */
export async function signInWithBrowser(
  context: FlowContext,
  options: BrowserSignInOptions,
): Promise<Grant> {
  const { settings, io, log } = context;
  const as = options.discovery.authorizationServer;
  requirePkceS256(as);
  const endpoint = validateAuthorizationUrl(as.authorization_endpoint, settings.allowHttp);
  if (!as.token_endpoint) {
    throw new BridgeError(
      "auth_failed",
      "Cannot sign in: authorization server has no token endpoint",
    );
  }

  const storedUsable = options.stored.clientId &&
    (!options.stored.issuer || options.stored.issuer === as.issuer) && !options.external;
  const port = settings.oauth.callbackPort ??
    (storedUsable ? parseRedirectPort(options.stored.redirectUri) : undefined) ??
    await defaultCallbackPort(context.serverUrl);
  const state = oauth.generateRandomState();
  await using server = startCallbackServer({ port, state });
  const redirectUri = formatRedirectUri(settings.oauth.callbackHost, server.port);

  let client: ClientIdentity;
  try {
    client = await resolveBrowserClient(
      context,
      as,
      options.stored,
      options.external,
      redirectUri,
    );
  } catch (error) {
    // Guessed endpoints that do not answer like OAuth: the server publishes no OAuth metadata at
    // all, so it wants a bearer token obtained some other way.
    if (options.discovery.source !== "2025-03-26-defaults") throw error;
    throw bearerTokenWanted(context.serverUrl, error);
  }
  if (Object.keys(client.changes).length > 0) await context.store.update(client.changes);

  const verifier = oauth.generateRandomCodeVerifier();
  registerSecret(verifier);
  const resource = resourceFor(context, options.discovery);
  const scope = withOfflineAccess(options.scope, as.scopes_supported);
  const url = buildAuthorizationUrl(endpoint, {
    clientId: client.client.client_id,
    redirectUri,
    codeChallenge: await oauth.calculatePKCECodeChallenge(verifier),
    state,
    scope,
    resource,
  });

  io.stderr(`Sign in to ${context.serverUrl.host} in your browser. If it does not open, visit:`);
  io.stderr(url.href);
  const browser = openBrowser(url, { env: settings.env, log });
  const indicator = startWaitingIndicator(io, settings.oauth.authTimeoutMs);
  let callbackUrl: URL;
  try {
    const ms = settings.oauth.authTimeoutMs;
    callbackUrl = await withDeadline(server.callback, {
      ms,
      signal: io.signal,
      onAbort: (reason) =>
        reason instanceof BridgeError
          ? reason
          : new BridgeError("interrupted", "Sign-in was interrupted"),
      onTimeout: () =>
        new BridgeError(
          "auth_required",
          `Sign-in did not finish within ${Number((ms / 1000).toFixed(1))} s (--auth-timeout)`,
          {
            hint: "Open the printed URL and complete the sign-in, or raise --auth-timeout; " +
              "then run the command again",
          },
        ),
    });
  } finally {
    indicator.stop();
    await server.close();
    await browser?.settle(BROWSER_SETTLE_MS);
  }
  registerSecret(callbackUrl.searchParams.get("code"));

  let tokens: oauth.TokenEndpointResponse;
  try {
    const params = oauth.validateAuthResponse(as, client.client, callbackUrl, state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client.client,
      client.auth,
      params,
      redirectUri,
      verifier,
      {
        ...requestOptions(context, as.token_endpoint),
        additionalParameters: resource ? { resource } : {},
      },
    );
    tokens = await oauth.processAuthorizationCodeResponse(as, client.client, response);
  } catch (error) {
    throw toOAuthBridgeError(error, "sign in");
  }
  const grant = createGrant(tokens, {
    as,
    resource,
    requestedScope: scope,
    isRefresh: false,
    now: (context.now ?? Date.now)(),
  });
  io.stderr(`Signed in to ${context.serverUrl.host}`);
  return grant;
}

/** The server refused the request but publishes no OAuth metadata to sign in with. */
function bearerTokenWanted(serverUrl: URL, cause: unknown): BridgeError {
  return new BridgeError(
    "auth_required",
    `Server requires an access token and publishes no OAuth metadata to sign in with: "${serverUrl.host}"`,
    {
      status: 401,
      hint: "Put the server's access token in MCP_CLIENT_ACCESS_TOKEN, or as a header: " +
        '--header "Authorization: Bearer ${TOKEN_VARIABLE}"; signing in with --token cannot work here',
      cause,
    },
  );
}

/** Options of {@link signInWithClientCredentials}. */
export interface ClientCredentialsOptions {
  discovery: DiscoveryResult;
  stored: StoredAuth;
  external?: ExternalClient;
  scope?: string;
}

/** The client-credentials grant (MCP extension `oauth-client-credentials`): no browser, no DCR. */
export async function signInWithClientCredentials(
  context: FlowContext,
  options: ClientCredentialsOptions,
): Promise<Grant> {
  const as = options.discovery.authorizationServer;
  const key = await configuredClientKey(context, as);
  const existing = existingClient(as, options.stored, options.external, key);
  const secret = options.external?.clientSecret ?? options.stored.clientSecret;
  if (!existing || (!secret && !key)) {
    throw new BridgeError(
      "config",
      "Cannot use --client-credentials: MCP_CLIENT_ID is not set with MCP_CLIENT_SECRET or a client key",
      {
        hint:
          "Set the pre-registered client's MCP_CLIENT_ID, and MCP_CLIENT_SECRET or --client-key FILE",
      },
    );
  }
  const method = existing.method === "none" ? chooseAuthMethod(as, true) : existing.method;
  const client = identity(existing.client.client_id, { secret, key }, method);
  const resource = resourceFor(context, options.discovery);
  const parameters: Record<string, string> = {};
  if (options.scope) parameters.scope = options.scope;
  if (resource) parameters.resource = resource;
  let tokens: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client.client,
      client.auth,
      parameters,
      requestOptions(context, as.token_endpoint),
    );
    tokens = await oauth.processClientCredentialsResponse(as, client.client, response);
  } catch (error) {
    throw toOAuthBridgeError(error, "obtain an access token with client credentials");
  }
  return createGrant(tokens, {
    as,
    resource,
    requestedScope: options.scope,
    isRefresh: false,
    now: (context.now ?? Date.now)(),
    extra: existing.changes,
  });
}

/**
 * Cross-app access (SEP-990): the ID token exchanged at the identity provider for an ID-JAG,
 * redeemed here with the JWT-bearer grant by the client known to this authorization server.
 */
export async function signInWithCrossApp(
  context: FlowContext,
  options: ClientCredentialsOptions,
): Promise<Grant> {
  const crossApp = context.settings.oauth.crossApp;
  const as = options.discovery.authorizationServer;
  const existing = existingClient(
    as,
    options.stored,
    options.external,
    await configuredClientKey(context, as),
  );
  if (!crossApp || !existing) {
    throw new BridgeError(
      "config",
      "Cannot use cross-app access: MCP_CLIENT_ID is not set",
      {
        hint:
          "Set the client id (and secret or key) registered at the MCP server's authorization server",
      },
    );
  }
  const resource = resourceFor(context, options.discovery);
  const assertion = await requestIdJag(context, {
    settings: crossApp,
    as,
    resource,
    scope: options.scope,
  });
  const tokens = await redeemIdJag(context, {
    as,
    client: existing.client,
    auth: existing.auth,
    assertion,
    resource,
    scope: options.scope,
  });
  return createGrant(tokens, {
    as,
    resource,
    requestedScope: options.scope,
    isRefresh: false,
    now: (context.now ?? Date.now)(),
    extra: existing.changes,
  });
}

/**
 * RFC 7591 §3.2.1 makes `client_secret_expires_at` required with a secret, and oauth4webapi
 * enforces it; some servers (the MCP conformance suite's among them) omit it. A missing value is
 * read as 0, "does not expire", instead of failing the whole sign-in.
 */
async function withSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, response);
  }
  if (
    typeof body === "object" && body !== null && "client_secret" in body &&
    !("client_secret_expires_at" in body)
  ) {
    return new Response(JSON.stringify({ ...body, client_secret_expires_at: 0 }), response);
  }
  return new Response(text, response);
}
