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
import type { ByteWriter } from "../process_io.ts";

const encoder = new TextEncoder();

/** Options of {@link createLineWriter}. */
export interface LineWriterOptions {
  /**
   * Queued bytes above which {@link LineWriter.backpressure} asks producers to wait (counted as
   * UTF-16 code units, which is what a queued line occupies).
   */
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

/** Writes all of `bytes` with a writer that may take them in parts. */
export async function writeAll(target: ByteWriter, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await target.write(bytes.subarray(at));
}

/**
 * Creates the writer for `target`: a stream (locked until {@link LineWriter.close}), or a plain
 * byte writer such as `Deno.stdout`, which costs fewer promises per write.
 */
export function createLineWriter(
  target: WritableStream<Uint8Array> | ByteWriter,
  options: LineWriterOptions = {},
): LineWriter {
  const maxQueuedBytes = options.maxQueuedBytes ?? OUTPUT_QUEUE_BYTES;
  const batchBytes = options.batchBytes ?? OUTPUT_WRITE_BATCH_BYTES;
  const writer = target instanceof WritableStream ? target.getWriter() : undefined;
  const write = writer
    ? (bytes: Uint8Array) => writer.write(bytes)
    : (bytes: Uint8Array) => writeAll(target as ByteWriter, bytes);
  let queue: string[] = [];
  let head = 0;
  // One buffer reused for every batch: encoding into it allocates nothing per line, so a flood
  // does not leave a trail of buffers for the garbage collector.
  const buffer = new Uint8Array(batchBytes * 3 + 3);
  let queuedBytes = 0;
  // How far the line at the head of the queue was written, while it goes out in pieces.
  let offset = 0;
  let draining: Promise<void> | undefined;
  let failed: Error | undefined;
  let belowCap: { promise: Promise<void>; resolve: () => void } | undefined;

  function release(): void {
    if (belowCap && (queuedBytes <= maxQueuedBytes || failed !== undefined)) {
      belowCap.resolve();
      belowCap = undefined;
    }
  }

  /**
   * Encodes the next write into the shared buffer: the next piece of a long line (a batch of
   * UTF-16 units at most, its newline after the last piece), or short lines joined up to the
   * batch size. Returns the bytes and the queue units they took. A long line is never encoded
   * whole: a fresh buffer of megabytes costs more in page faults than the encoding itself.
   */
  function takeBatch(): { bytes: Uint8Array; units: number } {
    const first = queue[head];
    if (offset > 0 || first.length + 1 >= batchBytes) {
      let end = Math.min(first.length, offset + batchBytes);
      // A piece never ends between the two halves of a surrogate pair.
      const last = first.charCodeAt(end - 1);
      if (end < first.length && last >= 0xd800 && last <= 0xdbff) end--;
      let written = encoder.encodeInto(first.slice(offset, end), buffer).written;
      let units = end - offset;
      if (end < first.length) {
        offset = end;
      } else {
        buffer[written++] = 10;
        units++;
        queue[head++] = "";
        offset = 0;
      }
      return { bytes: buffer.subarray(0, written), units };
    }
    let written = 0;
    let units = 0;
    while (head < queue.length && units + queue[head].length + 1 <= batchBytes) {
      const line = queue[head];
      queue[head++] = "";
      written += encoder.encodeInto(line, buffer.subarray(written)).written;
      buffer[written++] = 10;
      units += line.length + 1;
    }
    return { bytes: buffer.subarray(0, written), units };
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
          await write(chunk.bytes);
        } catch (error) {
          failed = error instanceof Error ? error : new Error(String(error));
        }
        queuedBytes -= chunk.units;
        release();
      }
    } catch (error) {
      failed ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      if (failed !== undefined) {
        queue = [];
        head = 0;
        offset = 0;
        queuedBytes = 0;
      }
      draining = undefined;
      release();
    }
  }

  return {
    write(line) {
      if (failed !== undefined) return;
      queue.push(line);
      queuedBytes += line.length + 1;
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
        writer?.releaseLock();
      } catch {
        // already released
      }
    },
    get failed() {
      return failed;
    },
  };
}
