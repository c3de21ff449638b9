/**
 * The keys of a server's state `.env`. The first seven are those of the Python tool, so an
 * existing file keeps working; the rest are ours. Constants only: nothing here reads or writes.
 *
 * @module
 */

/** The MCP endpoint the file belongs to. */
export const MCP_SERVER_URL = "MCP_SERVER_URL";
/** OAuth client identifier (pre-registered, CIMD URL or obtained by registration). */
export const MCP_CLIENT_ID = "MCP_CLIENT_ID";
/** OAuth client secret, for confidential clients. */
export const MCP_CLIENT_SECRET = "MCP_CLIENT_SECRET";
/** Current access token. */
export const MCP_CLIENT_ACCESS_TOKEN = "MCP_CLIENT_ACCESS_TOKEN";
/** Current refresh token (rotated ones replace it before use). */
export const MCP_CLIENT_REFRESH_TOKEN = "MCP_CLIENT_REFRESH_TOKEN";
/** RFC 7592 registration access token. */
export const MCP_CLIENT_REGISTRATION_TOKEN = "MCP_CLIENT_REGISTRATION_TOKEN";
/** RFC 7592 client configuration endpoint. */
export const MCP_CLIENT_REGISTRATION_URI = "MCP_CLIENT_REGISTRATION_URI";
/** When the access token expires: absolute, ISO 8601 UTC. */
export const MCP_CLIENT_TOKEN_EXPIRES_AT = "MCP_CLIENT_TOKEN_EXPIRES_AT";
/** The scope the authorization server granted (or, when it did not say, the one requested). */
export const MCP_CLIENT_SCOPE_GRANTED = "MCP_CLIENT_SCOPE_GRANTED";
/** Issuer of the authorization server the client and tokens belong to. */
export const MCP_CLIENT_ISSUER = "MCP_CLIENT_ISSUER";
/** Token endpoint of that authorization server, so a refresh needs no discovery. */
export const MCP_CLIENT_TOKEN_ENDPOINT = "MCP_CLIENT_TOKEN_ENDPOINT";
/** Token endpoint authentication method: `none`, `client_secret_basic` or `client_secret_post`. */
export const MCP_CLIENT_AUTH_METHOD = "MCP_CLIENT_AUTH_METHOD";
/** Redirect URI registered for the client. */
export const MCP_CLIENT_REDIRECT_URI = "MCP_CLIENT_REDIRECT_URI";
/** RFC 8707 resource the tokens were issued for. */
export const MCP_CLIENT_RESOURCE = "MCP_CLIENT_RESOURCE";

/** Keys of the tokens themselves; `clearStoredAuth("tokens")` removes these. */
export const TOKEN_KEYS: readonly string[] = Object.freeze([
  MCP_CLIENT_ACCESS_TOKEN,
  MCP_CLIENT_REFRESH_TOKEN,
  MCP_CLIENT_TOKEN_EXPIRES_AT,
  MCP_CLIENT_SCOPE_GRANTED,
]);

/** Keys of the client registration; `clearStoredAuth("all")` removes these and the tokens. */
export const CLIENT_KEYS: readonly string[] = Object.freeze([
  MCP_CLIENT_ID,
  MCP_CLIENT_SECRET,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
  MCP_CLIENT_ISSUER,
  MCP_CLIENT_TOKEN_ENDPOINT,
  MCP_CLIENT_AUTH_METHOD,
  MCP_CLIENT_REDIRECT_URI,
  MCP_CLIENT_RESOURCE,
]);
