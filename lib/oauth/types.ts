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
