/**
 * Server-Sent Events decoding: a thin stream wrapper over `eventsource-parser`. It decodes the
 * bytes of a response body as UTF-8, feeds them to the parser and yields each event as soon as
 * it is complete. It does no JSON parsing and knows nothing about MCP; it never buffers more
 * than the event being read.
 *
 * @module
 */

import { createParser } from "eventsource-parser";
import { MAX_MESSAGE_BYTES } from "../constants.ts";
import { MessageTooLargeError } from "./bounded_read.ts";

/** One dispatched SSE event. */
export interface SseEvent {
  /** The `id` field of this event, when it had one. */
  id?: string;
  /** The `event` field (event type), when it had one. */
  event?: string;
  /** The data lines joined with `\n`; empty for a priming event. */
  data: string;
}

/**
 * What {@link readSseEvents} yields, in stream order: an event, or a cursor update. A cursor
 * update carries a `retry` field (reconnection time in ms) or the `id` of a block that
 * dispatched no event (it had no `data` line) but still moves the last event id.
 */
export type SseRecord =
  | ({ type: "event" } & SseEvent)
  | { type: "cursor"; id?: string; retry?: number };

/** Options of {@link readSseEvents}. */
export interface SseReadOptions {
  /** The largest event (data, or a pending line) accepted, in characters. */
  maxEventBytes?: number;
  /**
   * Ends the reading: a pending read rejects with the signal's reason even when the body itself
   * does not notice the abort.
   */
  signal?: AbortSignal;
}

/**
 * Yields the records of an SSE body as they arrive; the next chunk is read only once the
 * records of the last one were taken, so a slow consumer slows the reading. Stopping the
 * iteration early cancels the body. A stream error (network failure, abort) is thrown from the
 * iteration, and an event larger than the limit throws {@link MessageTooLargeError}.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
export async function* readSseEvents(
  body: ReadableStream<Uint8Array>,
  options: SseReadOptions = {},
): AsyncGenerator<SseRecord, void, undefined> {
  const maxEventBytes = options.maxEventBytes ?? MAX_MESSAGE_BYTES;
  const queue: SseRecord[] = [];
  let overflow = false;
  // onId fires at dispatch just before onEvent; an id not claimed by an event is a bare cursor.
  let unclaimedId: string | undefined;
  const flushId = () => {
    if (unclaimedId !== undefined) queue.push({ type: "cursor", id: unclaimedId });
    unclaimedId = undefined;
  };
  const parser = createParser({
    // Counts UTF-16 code units, never more than the UTF-8 bytes they came from.
    maxBufferSize: maxEventBytes,
    onError(error) {
      if (error.type === "max-buffer-size-exceeded") overflow = true;
    },
    onId(id) {
      flushId();
      unclaimedId = id;
    },
    onRetry(retry) {
      flushId();
      queue.push({ type: "cursor", retry });
    },
    onEvent(message) {
      unclaimedId = undefined;
      if (message.data.length > maxEventBytes) {
        overflow = true;
        return;
      }
      const event: SseRecord = { type: "event", data: message.data };
      if (message.id !== undefined) event.id = message.id;
      if (message.event !== undefined) event.event = message.event;
      queue.push(event);
    },
  });
  // A reader and a streaming TextDecoder, not pipeThrough(TextDecoderStream): one SSE body per
  // request makes the pipe's per-chunk promises and stream objects a measurable cost per call.
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const { signal } = options;
  // One listener for the whole body, not a race per chunk: an abort cancels the reader, which
  // ends the pending read, and the loop then throws the signal's reason.
  const onAbort = () => reader.cancel(signal!.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let finished = false;
  try {
    while (true) {
      if (signal?.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (signal?.aborted) throw signal.reason;
      if (done) {
        const rest = decoder.decode();
        if (rest && !overflow) parser.feed(rest);
        flushId();
        while (queue.length > 0) yield queue.shift()!;
        if (overflow) throw new MessageTooLargeError(maxEventBytes);
        finished = true;
        break;
      }
      if (!overflow) parser.feed(decoder.decode(value, { stream: true }));
      flushId();
      while (queue.length > 0) yield queue.shift()!;
      if (overflow) throw new MessageTooLargeError(maxEventBytes);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    // A finished body needs no cancel, and no body needs its lock released: releaseLock builds
    // an error object, once per response.
    if (!finished) await reader.cancel().catch(() => {});
  }
}
