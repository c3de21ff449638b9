/**
 * The one writer of a newline-delimited JSON-RPC stream (stdout in proxy mode). Lines are encoded
 * and queued synchronously in call order and written by a single drain loop, several lines per
 * write (up to a batch size) when they pile up, so messages never interleave and a slow reader
 * never reorders them. It never drops a line while the stream works; instead it reports
 * backpressure once more than a cap of bytes waits, so producers can stop reading their source.
 *
 * @module
 */

import { OUTPUT_QUEUE_BYTES, OUTPUT_WRITE_BATCH_BYTES } from "../constants.ts";

const encoder = new TextEncoder();
const NEWLINE = encoder.encode("\n");

/** Options of {@link createLineWriter}. */
export interface LineWriterOptions {
  /** Queued bytes above which {@link LineWriter.backpressure} asks producers to wait. */
  maxQueuedBytes?: number;
  /** The most bytes handed to one write (a longer line is written alone). */
  batchBytes?: number;
}

/** A serialized line writer. */
export interface LineWriter {
  /** Queues one line (without its newline); never throws. */
  write(line: string): void;
  /**
   * Undefined while the queue holds at most the cap; otherwise a promise that resolves once it
   * drained below the cap (or writing failed). Producers await it before reading more input.
   */
  backpressure(): Promise<void> | undefined;
  /** Bytes queued and not yet written. */
  readonly queuedBytes: number;
  /** Resolves once everything queued so far has been written. */
  flush(): Promise<void>;
  /** Flushes, then releases the stream. */
  close(): Promise<void>;
  /** Set once writing failed (the reader went away); later lines are dropped. */
  readonly failed: Error | undefined;
}

/** Creates the writer for `stream`. */
export function createLineWriter(
  stream: WritableStream<Uint8Array>,
  options: LineWriterOptions = {},
): LineWriter {
  const maxQueuedBytes = options.maxQueuedBytes ?? OUTPUT_QUEUE_BYTES;
  const batchBytes = options.batchBytes ?? OUTPUT_WRITE_BATCH_BYTES;
  const writer = stream.getWriter();
  let queue: Uint8Array[] = [];
  let head = 0;
  let queuedBytes = 0;
  let draining: Promise<void> | undefined;
  let failed: Error | undefined;
  let belowCap: { promise: Promise<void>; resolve: () => void } | undefined;

  function release(): void {
    if (belowCap && (queuedBytes <= maxQueuedBytes || failed !== undefined)) {
      belowCap.resolve();
      belowCap = undefined;
    }
  }

  /** Takes the next write: one long line alone, or short ones joined up to the batch size. */
  function takeBatch(): Uint8Array {
    const first = queue[head];
    if (first.byteLength >= batchBytes || head + 1 === queue.length) {
      head++;
      return first;
    }
    let end = head;
    let size = 0;
    while (end < queue.length && size + queue[end].byteLength <= batchBytes) {
      size += queue[end].byteLength;
      end++;
    }
    const batch = new Uint8Array(size);
    let offset = 0;
    for (let index = head; index < end; index++) {
      batch.set(queue[index], offset);
      offset += queue[index].byteLength;
    }
    head = end;
    return batch;
  }

  async function drain(): Promise<void> {
    try {
      while (head < queue.length && failed === undefined) {
        const chunk = takeBatch();
        if (head === queue.length) {
          queue = [];
          head = 0;
        } else if (head > 1024 && head * 2 > queue.length) {
          queue = queue.slice(head);
          head = 0;
        }
        try {
          await writer.write(chunk);
        } catch (error) {
          failed = error instanceof Error ? error : new Error(String(error));
        }
        queuedBytes -= chunk.byteLength;
        release();
      }
    } catch (error) {
      failed ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      if (failed !== undefined) {
        queue = [];
        head = 0;
        queuedBytes = 0;
      }
      draining = undefined;
      release();
    }
  }

  return {
    write(line) {
      if (failed !== undefined) return;
      const bytes = encoder.encode(line);
      queue.push(bytes, NEWLINE);
      queuedBytes += bytes.byteLength + 1;
      draining ??= drain();
    },
    backpressure() {
      if (queuedBytes <= maxQueuedBytes || failed !== undefined) return undefined;
      if (!belowCap) {
        let resolve!: () => void;
        const promise = new Promise<void>((done) => resolve = done);
        belowCap = { promise, resolve };
      }
      return belowCap.promise;
    },
    get queuedBytes() {
      return queuedBytes;
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
