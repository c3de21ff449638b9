/**
 * Credential providers that need no OAuth: none at all, and a static bearer token from
 * `MCP_CLIENT_ACCESS_TOKEN`. Both fail a refusal with a clear authentication error.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";
import { stripBearerPrefix } from "../secrets.ts";
import type { AuthRefusal, CredentialProvider } from "./types.ts";

/** A provider that always sends `token` (or nothing) and cannot recover from a refusal. */
export function createStaticCredentials(token?: string): CredentialProvider {
  const value = token ? stripBearerPrefix(token) : undefined;
  return {
    accessToken: () => value,
    handleRefusal(refusal: AuthRefusal): Promise<string> {
      const kind = value ? "auth_failed" : "auth_required";
      const text = value
        ? `Server refused the configured access token: HTTP ${refusal.status}`
        : `Server requires authorization: HTTP ${refusal.status}`;
      const hint = value
        ? "Replace MCP_CLIENT_ACCESS_TOKEN (or the Authorization --header) with a token this " +
          "server accepts, or unset it to sign in with --token"
        : undefined;
      return Promise.reject(
        new BridgeError(kind, text, { status: refusal.status, ...(hint ? { hint } : {}) }),
      );
    },
  };
}
