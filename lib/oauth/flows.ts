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
import {
  type LaunchedBrowser,
  openBrowser,
  startWaitingIndicator,
  validateAuthorizationUrl,
} from "./browser.ts";
import { requireDeviceFlow, runDeviceAuthorization } from "./device_code.ts";
import { readPastedRedirect } from "./paste_redirect.ts";
import { chooseSignInMethod, detectBrowser } from "./sign_in_method.ts";
import { requestOptions } from "./discovery.ts";
import {
  defaultCallbackPort,
  formatRedirectUri,
  parseRedirectPort,
  startCallbackServer,
} from "./loopback.ts";
import { toOAuthBridgeError } from "./oauth_errors.ts";
import { withOfflineAccess } from "./scope.ts";
import type { DiscoveryResult, ExternalClient, FlowContext, Grant } from "./types.ts";
import {
  CLIENT_KEYS,
  MCP_CLIENT_AUTH_METHOD,
  MCP_CLIENT_ID,
  MCP_CLIENT_ISSUER,
  MCP_CLIENT_REDIRECT_URI,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
  MCP_CLIENT_SECRET,
} from "./state_keys.ts";
import type { ClientAuthMethod, StoredAuth } from "./token_state.ts";
import { hasClientKey } from "./client_auth.ts";
import {
  type ClientIdentity,
  configuredClientKey,
  existingClient,
  identity,
  resourceFor,
} from "./client_identity.ts";
import { createGrant } from "./grant.ts";

export { signInWithCrossApp } from "./cross_app.ts";
export { configuredClientKey, resourceFor };
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
  const key = await configuredClientKey(context, as);
  const requested = chooseRegistrationAuthMethod(as, key !== undefined);
  let registered: Awaited<ReturnType<typeof oauth.processDynamicClientRegistrationResponse>>;
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      buildRegistrationMetadata({
        redirectUri,
        authMethod: requested,
        deviceFlow: Boolean(as.device_authorization_endpoint),
        publicJwk: requested === "private_key_jwt" ? key?.publicJwk : undefined,
      }) as Partial<oauth.Client>,
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
    granted === "none" || granted === "client_secret_basic" || granted === "client_secret_post" ||
      (granted === "private_key_jwt" && key)
      ? granted
      : secret
      ? chooseAuthMethod(as, true)
      : "none";
  context.log.info(`Registered a new OAuth client with ${new URL(as.issuer).host}`);
  return identity(registered.client_id, { secret, key }, method, {
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

  const terminal = io.stderrIsTerminal && io.readTerminalLine !== undefined;
  const method = chooseSignInMethod({
    deviceCodeRequested: settings.oauth.deviceCode,
    deviceSupported: Boolean(as.device_authorization_endpoint),
    hasBrowser: detectBrowser(settings.env, Deno.build.os),
    hasTerminal: terminal,
  });
  if (method === "device") return await signInWithDeviceCode(context, options);

  const storedUsable = options.stored.clientId &&
    (!options.stored.issuer || options.stored.issuer === as.issuer) && !options.external;
  const port = settings.oauth.callbackPort ??
    (storedUsable ? parseRedirectPort(options.stored.redirectUri) : undefined) ??
    await defaultCallbackPort(context.serverUrl);
  const state = oauth.generateRandomState();
  await using server = startCallbackServer({ port, state });
  const redirectUri = formatRedirectUri(settings.oauth.callbackHost, server.port);

  const client = await resolveBrowserClient(
    context,
    as,
    options.stored,
    options.external,
    redirectUri,
  );
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

  let browser: LaunchedBrowser | undefined;
  if (method === "paste") {
    io.stderr(`Sign in to ${context.serverUrl.host}: open this URL in a browser on any machine:`);
    io.stderr(url.href);
    io.stderr(`The browser then ends on ${redirectUri}?code=… (the page may not load).`);
  } else {
    io.stderr(`Sign in to ${context.serverUrl.host} in your browser. If it does not open, visit:`);
    io.stderr(url.href);
    browser = openBrowser(url, { env: settings.env, log });
  }
  // Without a browser here, a person at the terminal can paste where the browser ended.
  const stopPaste = new AbortController();
  const pasted = terminal && (method === "paste" || !browser)
    ? readPastedRedirect(io, io.readTerminalLine!, {
      redirectUri,
      state,
      issRequired: as.authorization_response_iss_parameter_supported === true,
    }, stopPaste.signal)
    : undefined;
  const callback = pasted
    ? Promise.race([server.callback, pasted.then((found) => found ?? server.callback)])
    : server.callback;
  const indicator = pasted
    ? { stop: () => {} }
    : startWaitingIndicator(io, settings.oauth.authTimeoutMs);
  let callbackUrl: URL;
  try {
    const ms = settings.oauth.authTimeoutMs;
    callbackUrl = await withDeadline(callback, {
      ms,
      signal: io.signal,
      onAbort: () => new BridgeError("auth_required", "Sign-in was interrupted"),
      onTimeout: () =>
        new BridgeError(
          "auth_required",
          `Sign-in did not finish within ${Math.round(ms / 1000)} s`,
          {
            hint:
              "Open the printed URL and complete the sign-in, or raise --auth-timeout; then retry",
          },
        ),
    });
  } finally {
    stopPaste.abort();
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

/**
 * The device authorization grant (RFC 8628): the client is the one a browser sign-in would use
 * (registered with the device grant when the server offers it); the person approves on any
 * other device.
 */
async function signInWithDeviceCode(
  context: FlowContext,
  options: BrowserSignInOptions,
): Promise<Grant> {
  const { settings } = context;
  const as = options.discovery.authorizationServer;
  requireDeviceFlow(as);
  const port = settings.oauth.callbackPort ?? parseRedirectPort(options.stored.redirectUri) ??
    await defaultCallbackPort(context.serverUrl);
  const client = await resolveBrowserClient(
    context,
    as,
    options.stored,
    options.external,
    formatRedirectUri(settings.oauth.callbackHost, port),
  );
  if (Object.keys(client.changes).length > 0) await context.store.update(client.changes);
  const resource = resourceFor(context, options.discovery);
  const scope = withOfflineAccess(options.scope, as.scopes_supported);
  const tokens = await runDeviceAuthorization(context, {
    as,
    client: client.client,
    auth: client.auth,
    scope,
    resource,
    sleep: context.sleep,
  });
  context.io.stderr(`Signed in to ${context.serverUrl.host}`);
  return createGrant(tokens, {
    as,
    resource,
    requestedScope: scope,
    isRefresh: false,
    now: (context.now ?? Date.now)(),
  });
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
