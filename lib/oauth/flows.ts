/**
 * The OAuth flows that talk to the authorization server: refresh, browser sign-in (PKCE,
 * loopback callback, code exchange; the client identity is `client_registration.ts`'s) and the
 * client-credentials grant, each returning the new access token and the `.env` changes to
 * persist. Every request and response check goes through oauth4webapi request/process pairs. This module is loaded with a dynamic
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
import { buildAuthorizationUrl, chooseAuthMethod, requirePkceS256 } from "./authorize.ts";
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
import type { StoredAuth } from "./token_state.ts";
import { hasClientKey } from "./client_auth.ts";
import {
  type ClientIdentity,
  configuredClientKey,
  existingClient,
  identity,
  resourceFor,
} from "./client_identity.ts";
import { createGrant, createSignInGrant } from "./grant.ts";
import { resolveBrowserClient } from "./client_registration.ts";

export { signInWithCrossApp } from "./cross_app.ts";
export { configuredClientKey, resourceFor };

/**
 * The `resource` and `scope` parameters of a token request, each where set.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
function tokenParameters(
  resource: string | undefined,
  scope: string | undefined,
): Record<string, string> {
  return { ...(resource ? { resource } : {}), ...(scope ? { scope } : {}) };
}

/**
 * One token request as an oauth4webapi pair (`send`, then `check` the answer); any failure
 * becomes a BridgeError saying what could not be done.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5
 */
async function requestTokens(
  action: string,
  send: () => Promise<Response>,
  check: (response: Response) => Promise<oauth.TokenEndpointResponse>,
): Promise<oauth.TokenEndpointResponse> {
  try {
    return await check(await send());
  } catch (error) {
    throw toOAuthBridgeError(error, action);
  }
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
  const parameters = tokenParameters(resource, stored.scope);
  const refreshToken = stored.refreshToken;
  const tokens = await requestTokens(
    "refresh access token",
    () =>
      oauth.refreshTokenGrantRequest(as, client.client, client.auth, refreshToken, {
        ...requestOptions(context, as.token_endpoint),
        additionalParameters: parameters,
      }),
    (response) => oauth.processRefreshTokenResponse(as, client.client, response),
  );
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
    stopPaste.abort();
    indicator.stop();
    await server.close();
    await browser?.settle(BROWSER_SETTLE_MS);
  }
  registerSecret(callbackUrl.searchParams.get("code"));

  const tokens = await requestTokens(
    "sign in",
    () => {
      const params = oauth.validateAuthResponse(as, client.client, callbackUrl, state);
      return oauth.authorizationCodeGrantRequest(
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
    },
    (response) => oauth.processAuthorizationCodeResponse(as, client.client, response),
  );
  const grant = createSignInGrant(tokens, context, { as, resource, scope });
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
  return createSignInGrant(tokens, context, { as, resource, scope });
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
  const parameters = tokenParameters(resource, options.scope);
  const tokens = await requestTokens(
    "obtain an access token with client credentials",
    () =>
      oauth.clientCredentialsGrantRequest(
        as,
        client.client,
        client.auth,
        parameters,
        requestOptions(context, as.token_endpoint),
      ),
    (response) => oauth.processClientCredentialsResponse(as, client.client, response),
  );
  return createSignInGrant(tokens, context, {
    as,
    resource,
    scope: options.scope,
    extra: existing.changes,
  });
}
