/**
 * `--log-file PATH`: a copy of everything the program writes to stderr, for MCP hosts that hide
 * stderr. Lines are appended with a timestamp and the process id, to a file only the user can
 * read (mode 0600), redacted exactly as on stderr. It never receives stdout.
 *
 * @module
 */

import { BridgeError } from "./errors.ts";
import type { LogSink } from "./log.ts";

/** An open log file. */
export interface LogFile {
  /** Appends one line. Write failures are dropped: logging must never stop the bridge. */
  readonly sink: LogSink;
  close(): void;
}

/** Options of {@link openLogFile}. */
export interface LogFileOptions {
  /** The current time, for the timestamp of each line. */
  now?: () => Date;
  pid?: number;
}

/** The line as written to the log file: ISO time, process id, then the stderr line. */
export function formatLogFileLine(line: string, time: Date, pid: number): string {
  return `${time.toISOString()} [${pid}] ${line}\n`;
}

/** Opens (creating it with mode 0600) the log file at `path` for appending. */
export function openLogFile(path: string, options: LogFileOptions = {}): LogFile {
  const now = options.now ?? (() => new Date());
  const pid = options.pid ?? Deno.pid;
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { append: true, create: true, mode: 0o600 });
    // An existing file keeps its mode on open; logs can hold URLs and names, so tighten it.
    if (Deno.build.os !== "windows") Deno.chmodSync(path, 0o600);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BridgeError("config", `Cannot open log file "${path}": ${reason}`, {
      hint: "Pass --log-file a path in a directory you can write to",
    });
  }
  const encoder = new TextEncoder();
  let open = true;
  return {
    sink(line) {
      if (!open) return;
      const bytes = encoder.encode(formatLogFileLine(line, now(), pid));
      try {
        let written = 0;
        while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
      } catch {
        // disk full or file gone: keep the bridge running, stderr still has the line
      }
    },
    close() {
      if (!open) return;
      open = false;
      file.close();
    },
  };
}
