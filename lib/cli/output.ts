/**
 * The output of every command-line mode: human lines on stdout, or with `--json` exactly one JSON
 * document, and failures as `Error:`/`Hint:` lines on stderr. Every mode (client modes, auth
 * commands, the entry point's failure report) writes through here, so `--json` has one document
 * shape:
 *
 * - success: `{"ok":true,"result":…}`;
 * - failure: `{"ok":false,"error":{"kind","message","hint","status"?,"details"?}}`, with
 *   `"result":…` too when part of the answer is known (a tool result with `isError: true`, the
 *   sign-in state before a failed `--token`).
 *
 * Everything written is redacted. Proxy mode never uses this: its stdout carries JSON-RPC only.
 *
 * @module
 */

import type { BridgeError } from "../errors.ts";
import { redact } from "../log.ts";
import type { ProcessIo } from "../process_io.ts";
import { writeStdout } from "./stdout.ts";

/** The `error` member of a failure document. */
export interface ErrorDocument {
  kind: string;
  message: string;
  hint: string;
  status?: number;
  details?: Record<string, unknown>;
}

/** The one `--json` document of a run. */
export type JsonDocument =
  | { ok: true; result: unknown }
  | { ok: false; result?: unknown; error: ErrorDocument };

/** The `error` member for `error`, secrets redacted. Pure. */
export function formatErrorDocument(error: BridgeError): ErrorDocument {
  return {
    kind: error.kind,
    message: redact(error.message),
    hint: redact(error.hint),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.details === undefined ? {} : { details: error.details }),
  };
}

/** The document of a successful run, one line. Pure. */
export function formatSuccessDocument(result: unknown): string {
  return redact(JSON.stringify({ ok: true, result } satisfies JsonDocument)) + "\n";
}

/** The document of a failed run, with the part of the result that is known. Pure. */
export function formatFailureDocument(error: BridgeError, result?: unknown): string {
  const document: JsonDocument = {
    ok: false,
    ...(result === undefined ? {} : { result }),
    error: formatErrorDocument(error),
  };
  return redact(JSON.stringify(document)) + "\n";
}

/** The stderr lines of a failure: `Error: …` and `Hint: …`. Pure. */
export function formatFailureLines(error: BridgeError): string[] {
  return [redact(`Error: ${error.message}`), redact(`Hint: ${error.hint}`)];
}

/** Where a mode writes its answer. */
export interface Output {
  /** `--json`: stdout carries exactly one document. */
  readonly json: boolean;
  /** Human lines on stdout; nothing with `--json`. */
  say(...lines: string[]): Promise<void>;
  /** Human text (already formatted) on stdout, or the success document of `result`. */
  print(human: () => string, result: unknown): Promise<void>;
  /** The success document of `result`; nothing without `--json`. */
  result(result: unknown): Promise<void>;
  /** Reports a failure (stderr lines, and the document with `--json`); returns the exit code. */
  fail(error: BridgeError, result?: unknown): Promise<number>;
}

/** Creates the output of one run. */
export function createOutput(io: ProcessIo, options: { json: boolean }): Output {
  const { json } = options;
  return {
    json,
    async say(...lines) {
      if (json || lines.length === 0) return;
      await writeStdout(io, redact(lines.join("\n")) + "\n");
    },
    async print(human, result) {
      await writeStdout(io, json ? formatSuccessDocument(result) : human());
    },
    async result(result) {
      if (json) await writeStdout(io, formatSuccessDocument(result));
    },
    async fail(error, result) {
      if (json) await writeStdout(io, formatFailureDocument(error, result));
      for (const line of formatFailureLines(error)) io.stderr(line);
      return error.exitCode;
    },
  };
}
