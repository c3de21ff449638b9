/**
 * The types every OAuth module shares: where the authorization server was found, what a flow
 * needs, the client configured outside the state file, and a grant's result. Types only: this
 * module has no runtime code, so importing it never loads oauth4webapi or closes an import cycle.
 *
 * @module
 */

import type { AuthorizationServer } from "oauth4webapi";
import type { ProcessIo } from "../process_io.ts";
import type { EnvStore } from "../config/env_store.ts";
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log.ts";
import type { CredentialProvider } from "../transport/types.ts";

/**
 * Where the authorization server was found.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728
 * @see https://www.rfc-editor.org/rfc/rfc8414
 */
export interface DiscoveryResult {
  /** The RFC 8707 resource of the MCP server (from its protected resource metadata). */
  resource?: string;
  /** The protected resource metadata document, when there was one. */
  resourceMetadata?: Record<string, unknown>;
  /** The authorization server's metadata. */
  authorizationServer: AuthorizationServer;
  /** Which discovery path found it. */
  source: "prm" | "2025-03-26-metadata" | "2025-03-26-defaults";
}

/** What every OAuth request needs: policy, fetch and logger. */
export interface RequestContext {
  settings: Readonly<Settings>;
  fetch: typeof fetch;
  log: Logger;
  /** Aborts every request (Ctrl-C); its reason is what the request rejects with. */
  signal?: AbortSignal;
}

/** Everything a flow needs. */
export interface FlowContext extends RequestContext {
  io: ProcessIo;
  store: EnvStore;
  serverUrl: URL;
  /** The clock, in ms since the epoch (default `Date.now`); tests move it instead of waiting. */
  now?: () => number;
  /** Waits between device-flow polls (default a real timer); tests resolve it on a condition. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A client configured outside the state file (environment or working-directory `.env`). */
export interface ExternalClient {
  clientId: string;
  clientSecret?: string;
}

/**
 * A new access token and the `.env` changes that store it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export interface Grant {
  accessToken: string;
  changes: Record<string, string | undefined>;
}

/** How a token was obtained: which grant produced it. */
export type GrantKind = "refresh" | "sign-in";

/** Options of the credential provider and the OAuth manager (`provider.ts`). */
export interface CredentialProviderOptions {
  settings: Readonly<Settings>;
  log: Logger;
  fetch: typeof fetch;
  io: ProcessIo;
  /** Whether a browser sign-in may be started: someone is present to complete it. */
  interactive: boolean;
  /** Why nobody is present (shown when a sign-in is needed but `interactive` is false). */
  absence?: string;
  /** The state store to use (default: `openEnvStore(settings.stateFile)`). */
  store?: EnvStore;
  /** The clock, in ms since the epoch (default `Date.now`); tests move it instead of waiting. */
  now?: () => number;
  /** Waits between device-flow polls (default a real timer); tests resolve it on a condition. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What is stored for the server, without revealing any secret. */
export interface AuthStatus {
  serverUrl: string;
  stateFile: string;
  clientId?: string;
  hasClientSecret: boolean;
  registrationUri?: string;
  hasRegistrationToken: boolean;
  /** A short prefix of the access token. */
  accessTokenPrefix?: string;
  expiresAt?: Date;
  hasRefreshToken: boolean;
  scope?: string;
  issuer?: string;
}

/** The OAuth credential provider, with the operations the auth commands need. */
export interface OAuthManager extends CredentialProvider {
  /** The stored state, read from the file now. */
  status(): Promise<AuthStatus>;
  /**
   * A usable access token: the stored one, else refreshed, else signed in (browser or client
   * credentials). `forceRefresh` renews even a token that is not about to expire.
   */
  ensureToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
  /** Runs (or returns the cached) authorization server discovery. */
  discover(): Promise<DiscoveryResult>;
  /** Removes the stored tokens, or the tokens and the client registration. */
  clearStoredAuth(what: "tokens" | "all"): Promise<void>;
  /** The server's state file. */
  readonly store: EnvStore;
}
