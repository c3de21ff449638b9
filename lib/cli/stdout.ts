/**
 * Writing a CLI mode's output to stdout (never used by proxy mode, whose stdout has its own
 * serialized line writer).
 *
 * @module
 */

import type { ProcessIo } from "../process_io.ts";

const encoder = new TextEncoder();

/** Writes `text` to stdout and waits until it was handed to the stream. */
export async function writeStdout(io: ProcessIo, text: string): Promise<void> {
  const writer = io.stdout.getWriter();
  try {
    await writer.write(encoder.encode(text));
  } finally {
    writer.releaseLock();
  }
}
