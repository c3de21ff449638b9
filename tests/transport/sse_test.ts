import assert from "node:assert/strict";
import { readSseEvents, type SseRecord } from "../../lib/transport/sse.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<SseRecord[]> {
  const out: SseRecord[] = [];
  for await (const record of readSseEvents(streamOf(chunks))) out.push(record);
  return out;
}

Deno.test("sse: events with id, type and multi-line data", async () => {
  assert.deepEqual(await collect(['event: message\nid: 1\ndata: {"a":\ndata: 1}\n\n']), [
    { type: "event", event: "message", id: "1", data: '{"a":\n1}' },
  ]);
});

Deno.test("sse: a priming event has an id, a retry and empty data", async () => {
  assert.deepEqual(await collect(["id: e1\nretry: 500\ndata: \n\n"]), [
    { type: "cursor", retry: 500 },
    { type: "event", id: "e1", data: "" },
  ]);
});

Deno.test("sse: an id-only block moves the cursor without an event", async () => {
  assert.deepEqual(await collect(["id: e7\n\n", "data: x\n\n"]), [
    { type: "cursor", id: "e7" },
    { type: "event", data: "x" },
  ]);
});

Deno.test("sse: events split across chunks, CRLF, comments and a BOM", async () => {
  const records = await collect([
    "\uFEFF: keepalive\r\n",
    "da",
    "ta: hel",
    "lo\r\n\r",
    "\ndata: 2\n\n",
  ]);
  assert.deepEqual(records, [{ type: "event", data: "hello" }, { type: "event", data: "2" }]);
});

Deno.test("sse: an unfinished event at the end of the stream is dropped", async () => {
  assert.deepEqual(await collect(["data: complete\n\ndata: incomplete"]), [
    { type: "event", data: "complete" },
  ]);
});

Deno.test("sse: events are yielded as they arrive, not at the end", async () => {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const iterator = readSseEvents(body);
  controller.enqueue(encoder.encode("data: first\n\n"));
  const first = await iterator.next();
  assert.deepEqual(first.value, { type: "event", data: "first" });
  controller.enqueue(encoder.encode("data: second\n\n"));
  assert.deepEqual((await iterator.next()).value, { type: "event", data: "second" });
  await iterator.return(undefined); // cancels the body
});

Deno.test("sse: a stream error is thrown from the iteration", async () => {
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls++ === 0) controller.enqueue(new TextEncoder().encode("data: ok\n\n"));
      else controller.error(new Error("connection reset"));
    },
  });
  const seen: SseRecord[] = [];
  await assert.rejects(async () => {
    for await (const record of readSseEvents(body)) seen.push(record);
  }, /connection reset/);
  assert.deepEqual(seen, [{ type: "event", data: "ok" }]);
});

Deno.test("sse: an event larger than the limit throws after the events before it", async () => {
  const { MessageTooLargeError } = await import("../../lib/transport/bounded_read.ts");
  const big = "x".repeat(300);
  const seen: SseRecord[] = [];
  const records = readSseEvents(
    streamOf(["data: small\n\n", `data: ${big.slice(0, 150)}`, `${big.slice(150)}\n\n`]),
    { maxEventBytes: 200 },
  );
  await assert.rejects(async () => {
    for await (const record of records) seen.push(record);
  }, MessageTooLargeError);
  assert.deepEqual(seen, [{ type: "event", data: "small" }]);
});

Deno.test("sse: a whole oversize event in one chunk is refused too", async () => {
  const { MessageTooLargeError } = await import("../../lib/transport/bounded_read.ts");
  await assert.rejects(async () => {
    for await (
      const _ of readSseEvents(streamOf([`data: ${"y".repeat(500)}\n\n`]), {
        maxEventBytes: 200,
      })
    ) { /* drain */ }
  }, MessageTooLargeError);
});

Deno.test("sse: an abort ends a pending read with the signal's reason and cancels the body", async () => {
  let cancelled: unknown;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode("data: 1\n\n"));
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const controller = new AbortController();
  const reading = readSseEvents(body, { signal: controller.signal });
  assert.deepEqual((await reading.next()).value, { type: "event", data: "1" });
  const next = reading.next();
  controller.abort("stop");
  await assert.rejects(next, (error) => error === "stop");
  assert.equal(cancelled, "stop");
});

Deno.test("sse: a signal aborted before the first read throws at once", async () => {
  const controller = new AbortController();
  controller.abort("already");
  const reading = readSseEvents(streamOf(["data: 1\n\n"]), { signal: controller.signal });
  await assert.rejects(reading.next(), (error) => error === "already");
});
