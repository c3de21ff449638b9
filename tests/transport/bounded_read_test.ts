import assert from "node:assert/strict";
import {
  formatBytes,
  MessageTooLargeError,
  readBodyText,
} from "../../lib/transport/bounded_read.ts";
import { MAX_MESSAGE_BYTES } from "../../lib/constants.ts";

function chunkedResponse(chunks: string[], headers: HeadersInit = {}) {
  const encoder = new TextEncoder();
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body, { headers }), cancelled: () => cancelled };
}

Deno.test("bounded read: the message limit is at least 64 MiB", () => {
  assert.ok(MAX_MESSAGE_BYTES >= 64 * 1024 * 1024);
  assert.equal(formatBytes(MAX_MESSAGE_BYTES), "64 MiB");
  assert.equal(formatBytes(1536), "1.5 KiB");
});

Deno.test("bounded read: a body within the limit is read whole, across chunks", async () => {
  const { response } = chunkedResponse(['{"a":', '"é"}']);
  assert.equal(await readBodyText(response, { maxBytes: 100 }), '{"a":"é"}');
});

Deno.test("bounded read: a body past the limit is refused and cancelled", async () => {
  const probe = chunkedResponse(["x".repeat(60), "x".repeat(60)]);
  await assert.rejects(readBodyText(probe.response, { maxBytes: 100 }), MessageTooLargeError);
});

Deno.test("bounded read: a declared Content-Length past the limit is refused unread", async () => {
  const probe = chunkedResponse(["{}"], { "content-length": "5000" });
  const error = await readBodyText(probe.response, { maxBytes: 100 }).catch((e) => e);
  assert.ok(error instanceof MessageTooLargeError);
  assert.equal(error.kind, "protocol");
  assert.match(error.message, /limit of 100 bytes/);
  assert.ok(probe.cancelled());
});

Deno.test("bounded read: a declared length within the limit is read in one go", async () => {
  const probe = chunkedResponse(['{"a":', '"é"}'], { "content-length": "10" });
  assert.equal(await readBodyText(probe.response, { maxBytes: 100 }), '{"a":"é"}');
});

Deno.test("bounded read: a body longer than it declared is still held to the limit", async () => {
  // Only a body that did not come over HTTP can outgrow its Content-Length.
  const probe = chunkedResponse(["x".repeat(60), "x".repeat(60)], { "content-length": "50" });
  await assert.rejects(readBodyText(probe.response, { maxBytes: 100 }), MessageTooLargeError);
});

Deno.test("bounded read: a body that breaks is stream_lost, or the reason after an abort", async () => {
  for (const headers of [{}, { "content-length": "20" }] as Record<string, string>[]) {
    const broken = new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("{"));
          controller.error(new Error("connection reset"));
        },
      }),
      { headers },
    );
    const error = await readBodyText(broken).catch((e) => e);
    assert.equal(error.kind, "stream_lost", JSON.stringify(headers));
    const aborted = new AbortController();
    aborted.abort("stop");
    const again = new Response(
      new ReadableStream({
        start(controller) {
          controller.error(new Error("aborted"));
        },
      }),
      { headers },
    );
    assert.equal(await readBodyText(again, { signal: aborted.signal }).catch((e) => e), "stop");
  }
});
