/**
 * The process's standard streams, terminal facts and interrupt signal, as the entry point
 * injects them. Types only: every layer that talks to the user receives these instead of
 * touching `Deno.stdin`, `Deno.stdout` or signals itself, so it stays testable in process.
 *
 * @module
 */

import type { LogSink } from "./log.ts";

/** A plain writer of bytes, like `Deno.stdout`: each call writes some of them and says how many. */
export interface ByteWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/** The process's standard streams and terminal facts, as the entry point provides them. */
export interface ProcessIo {
  /** Bytes from standard input (JSON-RPC in proxy mode). */
  stdin: ReadableStream<Uint8Array>;
  /**
   * Standard output; proxy mode writes JSON-RPC only. Code that replaces it (to send a mode's
   * output elsewhere) must drop `stdoutWriter` too.
   */
  stdout: WritableStream<Uint8Array>;
  /**
   * The same standard output as a plain writer (`Deno.stdout`), when the entry point has one:
   * proxy mode writes through it instead of `stdout`, skipping the stream layer's promises and
   * queue (about a third less CPU per line written, measured with Deno 2.9 on a pipe).
   */
  stdoutWriter?: ByteWriter;
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
  /**
   * Reads one line typed or pasted on the controlling terminal (never stdin) after writing
   * `prompt` to stderr; undefined when there is no terminal, at end of input or on abort.
   */
  readTerminalLine?: (prompt: string, signal: AbortSignal) => Promise<string | undefined>;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /**
   * The command that starts this program: the binary's absolute path, or `deno run … main.ts`
   * when run from source (for `--print-config`).
   */
  launcher?: readonly string[];
}
