/**
 * Credential providers that need no OAuth: none at all, and a static bearer token from
 * `MCP_CLIENT_ACCESS_TOKEN`. Both fail a refusal with a clear authentication error.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";
import type { AuthRefusal, CredentialProvider } from "./types.ts";

/** Strips an optional `Bearer ` prefix from a configured token. */
export function normalizeBearerToken(value: string): string {
  return value.replace(/^\s*Bearer\s+/i, "").trim();
}

/** A provider that always sends `token` (or nothing) and cannot recover from a refusal. */
export function createStaticCredentials(token?: string): CredentialProvider {
  const value = token ? normalizeBearerToken(token) : undefined;
  return {
    accessToken: () => Promise.resolve(value),
    handleRefusal(refusal: AuthRefusal): Promise<string> {
      const kind = value ? "auth_failed" : "auth_required";
      const text = value
        ? `Server refused the configured access token: HTTP ${refusal.status}`
        : `Server requires authorization: HTTP ${refusal.status}`;
      return Promise.reject(new BridgeError(kind, text, { status: refusal.status }));
    },
  };
}
