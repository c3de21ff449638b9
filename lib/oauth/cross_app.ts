/**
 * Cross-app access (SEP-990, "enterprise-managed authorization"): the user's ID token from the
 * enterprise identity provider is exchanged there (RFC 8693 token exchange) for an identity
 * assertion authorization grant (ID-JAG) addressed to the MCP server's authorization server,
 * which is then redeemed with the JWT-bearer grant (RFC 7523 §2.1). No browser, no registration:
 * the client must be known to both servers. Requests and checks go through oauth4webapi; this
 * module persists nothing and never logs a token.
 *
 * @see https://modelcontextprotocol.io/extensions/auth/enterprise-managed-authorization
 * @see https://www.rfc-editor.org/rfc/rfc8693
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 * @module
 */

import * as oauth from "oauth4webapi";
import type { CrossAppSettings } from "../config/settings.ts";
import { BridgeError } from "../errors.ts";
import { registerSecret } from "../log.ts";
import { createClientAuth } from "./client_auth.ts";
import { discoverAuthorizationServer, requestOptions } from "./discovery.ts";
import type {
  DiscoveryResult,
  ExternalClient,
  FlowContext,
  Grant,
  RequestContext,
} from "./types.ts";
import type { StoredAuth } from "./token_state.ts";

/** Options of {@link signInWithCrossApp}. */
export interface CrossAppSignInOptions {
  discovery: DiscoveryResult;
  stored: StoredAuth;
  external?: ExternalClient;
  scope?: string;
}
import { toOAuthBridgeError } from "./oauth_errors.ts";
import { configuredClientKey, existingClient, resourceFor } from "./client_identity.ts";
import { createSignInGrant } from "./grant.ts";

/** RFC 8693 token exchange grant type. */
export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
/** RFC 7523 JWT-bearer authorization grant type. */
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/** RFC 8693 token type of an OpenID Connect ID token. */
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
/** SEP-990 token type of an identity assertion authorization grant. */
export const ID_JAG_TYPE = "urn:ietf:params:oauth:token-type:id-jag";

/** The parameters of the token exchange at the identity provider. Pure. */
export function buildTokenExchangeParameters(options: {
  idToken: string;
  audience: string;
  resource?: string;
  scope?: string;
}): Record<string, string> {
  return {
    requested_token_type: ID_JAG_TYPE,
    subject_token: options.idToken,
    subject_token_type: ID_TOKEN_TYPE,
    audience: options.audience,
    ...(options.resource ? { resource: options.resource } : {}),
    ...(options.scope ? { scope: options.scope } : {}),
  };
}

async function readIdToken(settings: CrossAppSettings): Promise<string> {
  let token = settings.idToken;
  if (!token && settings.idTokenFile) {
    try {
      token = await Deno.readTextFile(settings.idTokenFile);
    } catch (error) {
      const reason = error instanceof Error ? error.name : "error";
      throw new BridgeError(
        "config",
        `Cannot read the ID token: "${settings.idTokenFile}" (${reason})`,
        { hint: "Check the --id-token-file path" },
      );
    }
  }
  token = token?.trim();
  if (!token) {
    throw new BridgeError("auth_required", "Cannot use cross-app access: no ID token given", {
      hint: "Set MCP_CLIENT_ID_TOKEN or pass --id-token-file FILE with the user's ID token",
    });
  }
  registerSecret(token);
  return token;
}

/** Options of {@link requestIdJag}. */
export interface IdJagRequest {
  settings: CrossAppSettings;
  /** The MCP server's authorization server: the ID-JAG's audience. */
  as: oauth.AuthorizationServer;
  resource?: string;
  scope?: string;
}

/** Exchanges the user's ID token at the identity provider for an ID-JAG (RFC 8693 §2). */
export async function requestIdJag(
  context: RequestContext,
  request: IdJagRequest,
): Promise<string> {
  const { settings } = request;
  const idToken = await readIdToken(settings);
  const idp = await discoverAuthorizationServer(context, new URL(settings.issuer));
  if (!idp.token_endpoint) {
    throw new BridgeError(
      "auth_failed",
      "Cannot use cross-app access: identity provider has no token endpoint",
    );
  }
  const client: oauth.Client = { client_id: settings.clientId ?? "" };
  if (!settings.clientId) {
    throw new BridgeError(
      "config",
      "Cannot use cross-app access: no client id at the identity provider",
      {
        hint: "Pass --idp-client-id ID (or set MCP_CLIENT_IDP_CLIENT_ID)",
      },
    );
  }
  registerSecret(settings.clientSecret);
  const auth = createClientAuth(
    settings.clientSecret ? "client_secret_basic" : "none",
    { secret: settings.clientSecret },
  );
  try {
    const response = await oauth.genericTokenEndpointRequest(
      idp,
      client,
      auth,
      TOKEN_EXCHANGE_GRANT,
      buildTokenExchangeParameters({
        idToken,
        audience: request.as.issuer,
        resource: request.resource,
        scope: request.scope,
      }),
      requestOptions(context, idp.token_endpoint),
    );
    const exchanged = await oauth.processGenericTokenEndpointResponse(idp, client, response, {
      // RFC 8693 §2.2.1: a token that is not an access token comes with token_type "N_A".
      recognizedTokenTypes: { n_a: () => {} },
    });
    registerSecret(exchanged.access_token);
    if (exchanged.issued_token_type !== ID_JAG_TYPE) {
      throw new BridgeError(
        "auth_failed",
        `Cannot use cross-app access: identity provider issued "${
          String(exchanged.issued_token_type)
        }" instead of an ID-JAG`,
      );
    }
    return exchanged.access_token;
  } catch (error) {
    if (error instanceof BridgeError) throw error;
    throw toOAuthBridgeError(error, "exchange the ID token at the identity provider");
  }
}

/** Redeems an ID-JAG at the authorization server with the JWT-bearer grant (RFC 7523 §2.1). */
export async function redeemIdJag(
  context: RequestContext,
  options: {
    as: oauth.AuthorizationServer;
    client: oauth.Client;
    auth: oauth.ClientAuth;
    assertion: string;
    resource?: string;
    scope?: string;
  },
): Promise<oauth.TokenEndpointResponse> {
  const parameters: Record<string, string> = { assertion: options.assertion };
  if (options.scope) parameters.scope = options.scope;
  if (options.resource) parameters.resource = options.resource;
  try {
    const response = await oauth.genericTokenEndpointRequest(
      options.as,
      options.client,
      options.auth,
      JWT_BEARER_GRANT,
      parameters,
      requestOptions(context, options.as.token_endpoint),
    );
    return await oauth.processGenericTokenEndpointResponse(options.as, options.client, response);
  } catch (error) {
    throw toOAuthBridgeError(error, "redeem the ID-JAG at the authorization server");
  }
}

/**
 * Cross-app access (SEP-990): the ID token exchanged at the identity provider for an ID-JAG,
 * redeemed here with the JWT-bearer grant by the client known to this authorization server.
 */
export async function signInWithCrossApp(
  context: FlowContext,
  options: CrossAppSignInOptions,
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
  return createSignInGrant(tokens, context, {
    as,
    resource,
    scope: options.scope,
    extra: existing.changes,
  });
}
