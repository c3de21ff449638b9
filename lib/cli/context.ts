/**
 * What every mode receives from the entry point: resolved settings, the logger, the configured
 * fetch, the credential provider and the process streams as plain functions. Types only, so
 * modes stay testable without touching the real process.
 *
 * @module
 */

import type { Settings } from "../config/settings.ts";
import type { Logger, LogSink } from "../log.ts";
import type { CredentialProvider } from "../transport/types.ts";

/** The process's standard streams and terminal facts, as the entry point provides them. */
export interface ProcessIo {
  /** Bytes from standard input (JSON-RPC in proxy mode). */
  stdin: ReadableStream<Uint8Array>;
  /** Standard output; proxy mode writes JSON-RPC only. */
  stdout: WritableStream<Uint8Array>;
  /** Writes one line to standard error. */
  stderr: LogSink;
  /** Whether stdin is a terminal (a person started proxy mode by hand). */
  stdinIsTerminal?: boolean;
  /** Whether stdout is a terminal (colors, human output). */
  stdoutIsTerminal: boolean;
  /** Whether stderr is a terminal (spinner, progress lines). */
  stderrIsTerminal: boolean;
  /** Asks a yes/no question on the terminal (never on stdin's JSON-RPC); undefined when none. */
  confirm?: (question: string) => Promise<string | undefined>;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Everything a mode needs. */
export interface ModeContext {
  settings: Readonly<Settings>;
  log: Logger;
  io: ProcessIo;
  /** Fetch with the custom CA and proxy settings applied. */
  fetch: typeof fetch;
  /** Supplies and renews bearer tokens (static, none or OAuth). */
  credentials: CredentialProvider;
  /** Colors allowed (stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
}
