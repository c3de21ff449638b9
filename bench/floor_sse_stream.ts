/**
 * The floor relay's `--stream-sse` reading (see floor_relay.ts): an SSE body read as a stream
 * through `eventsource-parser`, each event handed on once complete, while the body is still
 * arriving. Bench code only.
 *
 * @module
 */

import { createParser } from "eventsource-parser";

/** Reads `body` to its end and calls `onData` with each event's data as soon as it is complete. */
export async function streamSseData(
  body: ReadableStream<Uint8Array>,
  onData: (data: string) => void,
): Promise<void> {
  const parser = createParser({
    onEvent(event) {
      if (event.data) onData(event.data);
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
}
