/**
 * Writing a CLI mode's output to stdout (never used by proxy mode, whose stdout has its own
 * serialized line writer).
 *
 * @module
 */

import { writeAll } from "../jsonrpc/line_writer.ts";
import type { ProcessIo } from "../process_io.ts";

const encoder = new TextEncoder();

/**
 * Writes `text` to stdout and waits until it was written: through the plain writer when the
 * entry point has one (building the stdout stream costs about 2 ms of start-up, paid by every
 * `--version` and `-c` run), else through the stream. A mode that sends stdout elsewhere
 * replaces `stdout` and drops `stdoutWriter`.
 */
export async function writeStdout(io: ProcessIo, text: string): Promise<void> {
  if (io.stdoutWriter) return await writeAll(io.stdoutWriter, encoder.encode(text));
  const writer = io.stdout.getWriter();
  try {
    await writer.write(encoder.encode(text));
  } finally {
    writer.releaseLock();
  }
}
