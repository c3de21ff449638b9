/**
 * The one writer of a newline-delimited JSON-RPC stream (stdout in proxy mode). Lines are queued
 * synchronously in call order and written by a single drain loop, several lines per write when
 * they pile up, so messages never interleave and a slow reader never reorders them.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A serialized line writer. */
export interface LineWriter {
  /** Queues one line (without its newline); never throws. */
  write(line: string): void;
  /** Resolves once everything queued so far has been written. */
  flush(): Promise<void>;
  /** Flushes, then releases the stream. */
  close(): Promise<void>;
  /** Set once writing failed (the reader went away); later lines are dropped. */
  readonly failed: Error | undefined;
}

/** Creates the writer for `stream`. */
export function createLineWriter(stream: WritableStream<Uint8Array>): LineWriter {
  const writer = stream.getWriter();
  let queue: string[] = [];
  let draining: Promise<void> | undefined;
  let failed: Error | undefined;

  async function drain(): Promise<void> {
    while (queue.length > 0 && failed === undefined) {
      const batch = queue;
      queue = [];
      const text = batch.length === 1 ? batch[0] + "\n" : batch.join("\n") + "\n";
      try {
        await writer.write(encoder.encode(text));
      } catch (error) {
        failed = error instanceof Error ? error : new Error(String(error));
      }
    }
    draining = undefined;
  }

  return {
    write(line) {
      if (failed !== undefined) return;
      queue.push(line);
      draining ??= drain();
    },
    async flush() {
      while (draining !== undefined) await draining;
    },
    async close() {
      while (draining !== undefined) await draining;
      try {
        writer.releaseLock();
      } catch {
        // already released
      }
    },
    get failed() {
      return failed;
    },
  };
}
