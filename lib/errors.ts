/**
 * Error kinds of the bridge and the one table that maps each kind to a JSON-RPC error code, a
 * CLI exit code and a title. Library code throws {@link BridgeError}; the bridge turns it into a
 * JSON-RPC error for the request that failed, the CLI turns it into an exit code. This module does
 * no I/O and must never put a secret or a response body into a message.
 *
 * @module
 */

/** Exit codes of the command-line modes, documented in the README. */
export const ExitCode = {
  ok: 0,
  serverError: 1,
  usage: 2,
  config: 3,
  auth: 4,
  unreachable: 5,
  timeout: 6,
  /** 128 + SIGINT, as shells report a process stopped by Ctrl-C. */
  interrupted: 130,
} as const;

/** A CLI exit code. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Standard JSON-RPC 2.0 error codes the bridge itself uses. */
export const JsonRpcCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
} as const;

/** Every way the bridge itself (not the server) can fail. */
export type ErrorKind =
  | "usage"
  | "config"
  | "auth_required"
  | "auth_failed"
  | "unreachable"
  | "http_error"
  | "protocol"
  | "stream_lost"
  | "session_lost"
  | "timeout"
  | "server_error"
  | "untranslatable"
  | "parse_error"
  | "invalid_request"
  | "internal"
  | "interrupted";

/** One row of the error table. */
export interface ErrorTableRow {
  /** JSON-RPC error code written to stdout for a request that failed this way. */
  readonly rpcCode: number;
  /** Exit code of a CLI mode that failed this way. */
  readonly exitCode: ExitCode;
  /** Short human title, used as the JSON-RPC error message prefix. */
  readonly title: string;
  /** What the user can do about it, shown in `data.hint` and on stderr. */
  readonly hint: string;
}

/**
 * The bridge's own codes live in -31000..-31099, outside the JSON-RPC reserved range
 * (-32768..-32000), so a client can tell "the bridge could not" from "the server said no".
 */
export const ERROR_TABLE: Readonly<Record<ErrorKind, ErrorTableRow>> = Object.freeze({
  usage: {
    rpcCode: JsonRpcCode.invalidParams,
    exitCode: ExitCode.usage,
    title: "Invalid usage",
    hint: "Run with --help to see the accepted flags",
  },
  config: {
    rpcCode: -31009,
    exitCode: ExitCode.config,
    title: "Invalid configuration",
    hint: "Check --server-url, MCP_SERVER_URL and the .env file",
  },
  auth_required: {
    rpcCode: -31005,
    exitCode: ExitCode.auth,
    title: "Authentication required",
    hint: "Sign in with `mcp-streamablehttp-client --token`",
  },
  auth_failed: {
    rpcCode: -31006,
    exitCode: ExitCode.auth,
    title: "Authentication failed",
    hint: "Run `mcp-streamablehttp-client --reset-auth --token` to sign in again",
  },
  unreachable: {
    rpcCode: -31001,
    exitCode: ExitCode.unreachable,
    title: "Server unreachable",
    hint: "Check the server URL, the network, HTTPS_PROXY and the CA certificate",
  },
  http_error: {
    rpcCode: -31002,
    exitCode: ExitCode.unreachable,
    title: "Server answered with an HTTP error",
    hint: "Check the server URL and the server's logs",
  },
  protocol: {
    rpcCode: -31003,
    exitCode: ExitCode.unreachable,
    title: "Protocol error",
    hint: "The server did not answer as an MCP Streamable HTTP server; try --transport sse",
  },
  stream_lost: {
    rpcCode: -31007,
    exitCode: ExitCode.unreachable,
    title: "Response stream lost",
    hint: "The server closed the stream before answering and it could not be resumed; retry",
  },
  session_lost: {
    rpcCode: -31008,
    exitCode: ExitCode.unreachable,
    title: "Session lost",
    hint: "The server forgot the session and it could not be re-established; restart the client",
  },
  timeout: {
    rpcCode: -31004,
    exitCode: ExitCode.timeout,
    title: "Request timed out",
    hint: "Raise --timeout or check the server",
  },
  server_error: {
    rpcCode: -31010,
    exitCode: ExitCode.serverError,
    title: "Server error",
    hint: "The server answered with an error",
  },
  untranslatable: {
    rpcCode: -31011,
    exitCode: ExitCode.unreachable,
    title: "Cannot translate between protocol eras",
    hint:
      "The request has no equivalent in the server's protocol era; see the README's \"Protocol eras\"",
  },
  parse_error: {
    rpcCode: JsonRpcCode.parseError,
    exitCode: ExitCode.usage,
    title: "Parse error",
    hint: "Each stdin line must be one JSON-RPC message",
  },
  invalid_request: {
    rpcCode: JsonRpcCode.invalidRequest,
    exitCode: ExitCode.usage,
    title: "Invalid request",
    hint: "Each stdin line must be one JSON-RPC 2.0 message object",
  },
  internal: {
    rpcCode: JsonRpcCode.internalError,
    exitCode: ExitCode.unreachable,
    title: "Internal error",
    hint: "This is a bug in mcp-streamablehttp-client; please report it with --log-level DEBUG",
  },
  interrupted: {
    rpcCode: -31012,
    exitCode: ExitCode.interrupted,
    title: "Interrupted",
    hint: "The program was stopped (Ctrl-C or a signal) before it finished; run it again",
  },
});

/** Options of a {@link BridgeError}. */
export interface BridgeErrorOptions {
  /** HTTP status involved, if any. */
  status?: number;
  /** Overrides the table's hint. */
  hint?: string;
  /** Extra safe, secret-free details for `data`. */
  details?: Record<string, unknown>;
  /** The underlying error; never logged beyond its message, never serialized. */
  cause?: unknown;
}

/** A failure of the bridge itself, with a stable kind. */
export class BridgeError extends Error {
  /** Stable kind, the key into {@link ERROR_TABLE}. */
  readonly kind: ErrorKind;
  /** HTTP status involved, if any. */
  readonly status?: number;
  /** What the user can do about it. */
  readonly hint: string;
  /** Extra safe details. */
  readonly details?: Record<string, unknown>;

  /** A failure of `kind` with a message in the Deno style (no secrets, no response body). */
  constructor(kind: ErrorKind, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BridgeError";
    this.kind = kind;
    this.status = options.status;
    this.hint = options.hint ?? ERROR_TABLE[kind].hint;
    this.details = options.details;
  }

  /** The JSON-RPC code for this error. */
  get rpcCode(): number {
    return ERROR_TABLE[this.kind].rpcCode;
  }

  /** The CLI exit code for this error. */
  get exitCode(): ExitCode {
    return ERROR_TABLE[this.kind].exitCode;
  }
}

/** The error of a run stopped by a signal (`signal` is e.g. `SIGINT`). */
export function createInterruptedError(signal = "SIGINT"): BridgeError {
  return new BridgeError("interrupted", `Interrupted by ${signal}`, { details: { signal } });
}

/** The `interrupted` error an aborted process signal carries as its reason, or a new one. */
export function toInterruptedError(reason: unknown): BridgeError {
  return reason instanceof BridgeError && reason.kind === "interrupted"
    ? reason
    : createInterruptedError();
}

/** Wraps anything thrown into a {@link BridgeError}, keeping a BridgeError as it is. */
export function toBridgeError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new BridgeError("timeout", "Request timed out", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new BridgeError("internal", `Unexpected failure: ${message}`, { cause: error });
}

/** The `data` member of a JSON-RPC error produced by the bridge. */
export interface BridgeErrorData {
  source: "mcp-streamablehttp-client";
  kind: ErrorKind;
  status?: number;
  hint: string;
  [key: string]: unknown;
}

/** Builds the `error` member of a JSON-RPC response for a {@link BridgeError}. */
export function formatErrorObject(
  error: BridgeError,
): { code: number; message: string; data: BridgeErrorData } {
  const data: BridgeErrorData = {
    source: "mcp-streamablehttp-client",
    kind: error.kind,
    hint: error.hint,
    ...error.details,
  };
  if (error.status !== undefined) data.status = error.status;
  return { code: error.rpcCode, message: error.message, data };
}
