/**
 * Turning a token endpoint response into a {@link Grant}: the access token and the `.env`
 * changes that store it with the authorization server it came from. Pure apart from registering
 * the issued secrets for redaction.
 *
 * @module
 */

import type * as oauth from "oauth4webapi";
import { registerSecret } from "../log.ts";
import { MCP_CLIENT_ISSUER, MCP_CLIENT_RESOURCE, MCP_CLIENT_TOKEN_ENDPOINT } from "./state_keys.ts";
import { formatTokenChanges } from "./token_state.ts";
import type { Grant } from "./types.ts";

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
export function createGrant(
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

/**
 * The {@link Grant} of a sign-in (every grant but refresh), at the flow's clock: the scope asked
 * for is what a response without `scope` was granted.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export function createSignInGrant(
  tokens: oauth.TokenEndpointResponse,
  context: { now?: () => number },
  options: {
    as: oauth.AuthorizationServer;
    resource: string | undefined;
    scope: string | undefined;
    extra?: Record<string, string | undefined>;
  },
): Grant {
  return createGrant(tokens, {
    as: options.as,
    resource: options.resource,
    requestedScope: options.scope,
    isRefresh: false,
    now: (context.now ?? Date.now)(),
    extra: options.extra,
  });
}
