/**
 * The types of the MCP client (`mcp_client.ts`): what it needs from its caller, what a session
 * and an initialized client offer, and the options of a request. Types only, so modes,
 * formatters and the library export can name them without loading the client.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle
 * @module
 */

import type {
  ClientCapabilities,
  Implementation,
  ServerCapabilities,
} from "@modelcontextprotocol/sdk/types.js";
import type { Timers } from "./async.ts";
import type { Settings } from "./config/settings.ts";
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from "./jsonrpc/message.ts";
import type { Logger } from "./log.ts";
import type { ProcessIo } from "./process_io.ts";
import type { CredentialProvider } from "./transport/types.ts";

/** What the client needs from its caller: the server, the shared fetch, credentials and log. */
export interface McpClientContext {
  settings:
    & Pick<Settings, "serverUrl" | "transport" | "headers" | "timeoutMs">
    & Partial<Pick<Settings, "protocol" | "stateFile">>;
  log: Logger;
  /** Fetch with the custom CA applied. */
  fetch: typeof fetch;
  /** Supplies and renews bearer tokens. */
  credentials: CredentialProvider;
  /** `io.signal` aborts every pending request (the program was interrupted). */
  io: Pick<ProcessIo, "signal">;
  /** The timers of the per-request timeouts; the real ones by default (tests inject a clock). */
  timers?: Timers;
}

/** A `notifications/progress` payload. */
export interface ProgressInfo {
  /** Progress so far; increases with every notification. */
  progress: number;
  /** The total, when the server knows it. */
  total?: number;
  /** What is happening, when the server says. */
  message?: string;
}

/** Options of one request. */
export interface RequestOptions {
  /** Overrides `settings.timeoutMs` for this request; 0 disables the timeout. */
  timeoutMs?: number;
  /** Asks the server for progress (`_meta.progressToken`) and receives each notification. */
  onProgress?(progress: ProgressInfo): void;
}

/** A response together with the text it arrived as, when the transport kept it. */
export interface Exchange {
  response: JsonRpcResponse;
  /** The response exactly as received, when known. */
  raw?: string;
}

/** Options of {@link openClient} and {@link openSession}. */
export interface OpenClientOptions {
  /** Sent in `initialize`; defaults to this program's name and version. */
  clientInfo?: Implementation;
  /** Sent in `initialize`; defaults to none (no sampling, elicitation or roots). */
  capabilities?: ClientCapabilities;
  /** Receives every notification from the server (progress included). */
  onNotification?(notification: JsonRpcNotification): void;
  /**
   * Answers the server's `elicitation/create` (form and URL mode, declared in `initialize`) with
   * an `ElicitResult`; a rejection becomes a JSON-RPC error to the server. Without it,
   * elicitation is declined.
   */
  onElicit?(params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A session before (or without) `initialize`: raw exchanges, requests and notifications. */
export interface McpSession {
  /** The protocol version the transport negotiated, once known. */
  readonly protocolVersion: string | undefined;
  /**
   * The protocol the server speaks, once the first message settled it: its era and version
   * (2026-07-28 when the bridge translates this 2025-era client for a modern server).
   */
  readonly serverProtocol: ServerProtocol | undefined;
  /** Sends `request` as it is and resolves with its response (a JSON-RPC error included). */
  exchange(request: JsonRpcRequest, options?: RequestOptions): Promise<Exchange>;
  /** Sends a request and resolves with its result; a JSON-RPC error throws `server_error`. */
  request<T = Record<string, unknown>>(
    method: string,
    params?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<T>;
  /** Sends a notification. */
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** A fresh request id, for callers that build requests themselves. */
  nextId(): number;
  /** Ends the session (DELETE) and fails whatever is still pending. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Which protocol era a server speaks, and its version. */
export interface ServerProtocol {
  era: "modern" | "legacy";
  version: string;
}

/** An initialized session. */
export interface McpClient extends McpSession {
  /** `serverInfo` from the initialize result. */
  readonly serverInfo: Implementation;
  /** The protocol version the server chose. */
  readonly protocolVersion: string;
  /** The protocol the server speaks (its era and version). */
  readonly serverProtocol: ServerProtocol;
  /** The server's capabilities. */
  readonly capabilities: ServerCapabilities;
  /** The server's `instructions`, when it sent some. */
  readonly instructions?: string;
}
