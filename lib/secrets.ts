/**
 * What counts as a secret in configuration: the `.env` and environment keys whose values are
 * credentials, and the one normalization of a configured bearer token. Constants and pure
 * functions only; registering values for redaction is the logger's job.
 *
 * @module
 */

/**
 * The environment and state-file keys whose values are secrets: registered for redaction when
 * read or written, and redacted wherever `KEY=value` text appears.
 */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  "MCP_CLIENT_ACCESS_TOKEN",
  "MCP_CLIENT_REFRESH_TOKEN",
  "MCP_CLIENT_SECRET",
  "MCP_CLIENT_REGISTRATION_TOKEN",
  "MCP_CLIENT_PRIVATE_KEY",
  "MCP_CLIENT_IDP_CLIENT_SECRET",
  "MCP_CLIENT_ID_TOKEN",
]);

/**
 * A configured token without an optional `Bearer ` prefix (any case) and surrounding space.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function stripBearerPrefix(value: string): string {
  return value.replace(/^\s*Bearer\s+/i, "").trim();
}
