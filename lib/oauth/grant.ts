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
