/**
 * The OAuth state of one server as kept in its `.env`: reading the stored keys into a typed
 * record, deciding when a token must be renewed, and turning a token response into the changes
 * to persist (expiry made absolute, a rotated refresh token replacing the old one). Pure: no I/O,
 * no clock of its own (callers pass `now`).
 *
 * @module
 */

import type { AuthStatus, ExternalClient } from "./types.ts";
import { stripBearerPrefix } from "../secrets.ts";
import {
  MCP_CLIENT_ACCESS_TOKEN,
  MCP_CLIENT_AUTH_METHOD,
  MCP_CLIENT_ID,
  MCP_CLIENT_ISSUER,
  MCP_CLIENT_REDIRECT_URI,
  MCP_CLIENT_REFRESH_TOKEN,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
  MCP_CLIENT_RESOURCE,
  MCP_CLIENT_SCOPE_GRANTED,
  MCP_CLIENT_SECRET,
  MCP_CLIENT_TOKEN_ENDPOINT,
  MCP_CLIENT_TOKEN_EXPIRES_AT,
  TOKEN_KEYS,
} from "./state_keys.ts";

/** Token endpoint authentication methods the bridge can use. */
export type ClientAuthMethod =
  | "none"
  | "client_secret_basic"
  | "client_secret_post"
  | "private_key_jwt";

/** The OAuth keys of a state file, typed. */
export interface StoredAuth {
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
  refreshToken?: string;
  expiresAt?: Date;
  scope?: string;
  issuer?: string;
  tokenEndpoint?: string;
  authMethod?: ClientAuthMethod;
  redirectUri?: string;
  resource?: string;
  registrationToken?: string;
  registrationUri?: string;
}

const AUTH_METHODS = new Set([
  "none",
  "client_secret_basic",
  "client_secret_post",
  "private_key_jwt",
]);

/** Reads the OAuth keys of `values`; empty values count as absent. */
export function readStoredAuth(values: Readonly<Record<string, string>>): StoredAuth {
  const get = (key: string) => values[key]?.trim() || undefined;
  const expiresText = get(MCP_CLIENT_TOKEN_EXPIRES_AT);
  const expires = expiresText ? new Date(expiresText) : undefined;
  const method = get(MCP_CLIENT_AUTH_METHOD);
  const accessToken = get(MCP_CLIENT_ACCESS_TOKEN);
  return {
    clientId: get(MCP_CLIENT_ID),
    clientSecret: get(MCP_CLIENT_SECRET),
    accessToken: accessToken ? stripBearerPrefix(accessToken) || undefined : undefined,
    refreshToken: get(MCP_CLIENT_REFRESH_TOKEN),
    expiresAt: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
    scope: get(MCP_CLIENT_SCOPE_GRANTED),
    issuer: get(MCP_CLIENT_ISSUER),
    tokenEndpoint: get(MCP_CLIENT_TOKEN_ENDPOINT),
    authMethod: method && AUTH_METHODS.has(method) ? method as ClientAuthMethod : undefined,
    redirectUri: get(MCP_CLIENT_REDIRECT_URI),
    resource: get(MCP_CLIENT_RESOURCE),
    registrationToken: get(MCP_CLIENT_REGISTRATION_TOKEN),
    registrationUri: get(MCP_CLIENT_REGISTRATION_URI),
  };
}

/** Whether the stored access token expires within `marginMs` of `now` (unknown expiry: no). */
export function isExpiring(auth: StoredAuth, now: number, marginMs: number): boolean {
  return auth.expiresAt !== undefined && auth.expiresAt.getTime() - marginMs <= now;
}

/** Whether the stored access token has already expired (unknown expiry: no). */
export function isExpired(auth: StoredAuth, now: number): boolean {
  return auth.expiresAt !== undefined && auth.expiresAt.getTime() <= now;
}

/** The parts of a token endpoint response the bridge keeps. */
export interface TokenResponseFields {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

/** Options of {@link formatTokenChanges}. */
export interface TokenChangeOptions {
  /** When the response arrived, in ms since the epoch. */
  now: number;
  /** The scope that was requested, stored when the response names none. */
  requestedScope?: string;
  /**
   * Whether this answered a refresh: a response without `refresh_token` then keeps the old one
   * (RFC 6749 §6); after a new grant an absent refresh token is removed.
   */
  isRefresh: boolean;
}

/** The `.env` changes that store a token response. */
export function formatTokenChanges(
  response: TokenResponseFields,
  options: TokenChangeOptions,
): Record<string, string | undefined> {
  const changes: Record<string, string | undefined> = {
    [MCP_CLIENT_ACCESS_TOKEN]: response.access_token,
    [MCP_CLIENT_TOKEN_EXPIRES_AT]: typeof response.expires_in === "number" &&
        Number.isFinite(response.expires_in)
      ? new Date(options.now + response.expires_in * 1000).toISOString()
      : undefined,
    [MCP_CLIENT_SCOPE_GRANTED]: response.scope ?? options.requestedScope,
  };
  if (response.refresh_token) changes[MCP_CLIENT_REFRESH_TOKEN] = response.refresh_token;
  else if (!options.isRefresh) changes[MCP_CLIENT_REFRESH_TOKEN] = undefined;
  return changes;
}

/** Changes that remove every stored token (the client registration stays). */
export function clearTokenChanges(): Record<string, undefined> {
  return Object.fromEntries(TOKEN_KEYS.map((key) => [key, undefined]));
}

/** A short, safe prefix of a token for status output. */
export function formatTokenPrefix(token: string): string {
  return token.length <= 12 ? `${token.slice(0, 2)}…` : `${token.slice(0, 6)}…`;
}

/**
 * What is stored for the server, without a secret: a token only as a short prefix, secrets only
 * as present or not. A client configured outside the state file (`external`) wins.
 */
export function summarizeAuthStatus(
  stored: StoredAuth,
  where: { serverUrl: string; stateFile: string; external?: ExternalClient },
): AuthStatus {
  const { external } = where;
  return {
    serverUrl: where.serverUrl,
    stateFile: where.stateFile,
    clientId: external?.clientId ?? stored.clientId,
    hasClientSecret: Boolean(external ? external.clientSecret : stored.clientSecret),
    registrationUri: stored.registrationUri,
    hasRegistrationToken: Boolean(stored.registrationToken),
    accessTokenPrefix: stored.accessToken ? formatTokenPrefix(stored.accessToken) : undefined,
    expiresAt: stored.expiresAt,
    hasRefreshToken: Boolean(stored.refreshToken),
    scope: stored.scope,
    issuer: stored.issuer,
  };
}

/**
 * The client configured outside the state file, which wins over the stored one: `MCP_CLIENT_ID`
 * (and secret) in the environment, else a client id from the config file or the working
 * directory's `.env` that differs from the stored one.
 */
export function resolveExternalClient(settings: {
  env: Readonly<Record<string, string>>;
  stateValues: Readonly<Record<string, string>>;
  oauth: { clientId?: string; clientSecret?: string };
}): ExternalClient | undefined {
  const { env } = settings;
  if (env.MCP_CLIENT_ID) {
    return { clientId: env.MCP_CLIENT_ID, clientSecret: env.MCP_CLIENT_SECRET || undefined };
  }
  const id = settings.oauth.clientId;
  if (id && id !== settings.stateValues[MCP_CLIENT_ID]) {
    return { clientId: id, clientSecret: settings.oauth.clientSecret };
  }
  return undefined;
}
