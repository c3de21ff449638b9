import assert from "node:assert/strict";
import { createLineWriter } from "../../lib/jsonrpc/line_writer.ts";

Deno.test("lines are written whole, in call order, each ending in a newline", async () => {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const stream = new WritableStream<Uint8Array>({
    async write(chunk) {
      await Promise.resolve(); // a sink that completes later, so lines queue up meanwhile
      chunks.push(decoder.decode(chunk));
    },
  });
  const writer = createLineWriter(stream);
  for (let i = 0; i < 200; i++) writer.write(JSON.stringify({ i }));
  await writer.close();
  const lines = chunks.join("").split("\n");
  assert.equal(lines.pop(), "");
  assert.deepEqual(lines.map((l) => JSON.parse(l).i), Array.from({ length: 200 }, (_, i) => i));
  assert.ok(chunks.length < 200, "queued lines are batched into fewer writes");
});

Deno.test("a failing stream marks the writer failed and drops later lines", async () => {
  const stream = new WritableStream<Uint8Array>({
    write() {
      throw new Error("broken pipe");
    },
  });
  const writer = createLineWriter(stream);
  writer.write("a");
  await writer.flush();
  assert.match(String(writer.failed?.message), /broken pipe/);
  writer.write("b");
  await writer.flush();
});

/** A stream whose writes wait until `open()` is called; records every chunk's size. */
function createStalledStream() {
  const sizes: number[] = [];
  const chunks: Uint8Array[] = [];
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  const stream = new WritableStream<Uint8Array>({
    async write(chunk) {
      await opened;
      sizes.push(chunk.byteLength);
      chunks.push(chunk.slice());
    },
  });
  const text = () => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return { stream, sizes, open, text };
}

Deno.test("a backlog is written in bounded batches, never joined into one chunk", async () => {
  const stalled = createStalledStream();
  const writer = createLineWriter(stalled.stream, { batchBytes: 1000, maxQueuedBytes: 1 << 30 });
  const line = "x".repeat(99); // 100 bytes with its newline
  for (let i = 0; i < 500; i++) writer.write(line);
  writer.write("y".repeat(5000)); // a line longer than a batch is written alone
  stalled.open();
  await writer.close();
  assert.ok(Math.max(...stalled.sizes) <= 5001, `largest write: ${Math.max(...stalled.sizes)}`);
  assert.ok(stalled.sizes.filter((size) => size > 1000).length === 1);
  assert.equal(stalled.text(), (line + "\n").repeat(500) + "y".repeat(5000) + "\n");
});

Deno.test("backpressure is reported above the cap and released once the queue drains", async () => {
  const stalled = createStalledStream();
  const writer = createLineWriter(stalled.stream, { maxQueuedBytes: 1000, batchBytes: 100 });
  assert.equal(writer.backpressure(), undefined);
  for (let i = 0; i < 20; i++) writer.write(JSON.stringify({ i, pad: "p".repeat(40) }));
  assert.ok(writer.queuedBytes > 1000);
  const waiting = writer.backpressure();
  assert.ok(waiting instanceof Promise);
  let released = false;
  waiting.then(() => released = true);
  await Promise.resolve();
  assert.equal(released, false);
  stalled.open();
  await waiting;
  assert.ok(writer.queuedBytes <= 1000);
  await writer.close();
  const lines = stalled.text().trimEnd().split("\n").map((l) => JSON.parse(l).i);
  assert.deepEqual(lines, Array.from({ length: 20 }, (_, i) => i));
});

Deno.test("a failing stream releases producers waiting on backpressure", async () => {
  const stream = new WritableStream<Uint8Array>({
    write() {
      throw new Error("broken pipe");
    },
  });
  const writer = createLineWriter(stream, { maxQueuedBytes: 10 });
  writer.write("x".repeat(100));
  const waiting = writer.backpressure();
  assert.ok(waiting);
  await waiting;
  assert.equal(writer.backpressure(), undefined);
  await writer.close();
});

Deno.test("a plain byte writer that takes part of each write still gets every byte, in order", async () => {
  const received: number[] = [];
  let calls = 0;
  const target = {
    async write(bytes: Uint8Array) {
      await Promise.resolve();
      calls++;
      const taken = Math.min(bytes.length, 7); // like a pipe that accepts a few bytes at a time
      received.push(...bytes.subarray(0, taken));
      return taken;
    },
  };
  const writer = createLineWriter(target);
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, text: "é".repeat(i) }));
  for (const line of lines) writer.write(line);
  await writer.close();
  assert.equal(new TextDecoder().decode(new Uint8Array(received)), lines.join("\n") + "\n");
  assert.ok(calls > 50, "partial writes were continued");
});

Deno.test("a failing plain byte writer marks the writer failed", async () => {
  const writer = createLineWriter({
    write: () => Promise.reject(new Error("broken pipe")),
  });
  writer.write("a");
  await writer.flush();
  assert.match(String(writer.failed?.message), /broken pipe/);
});

Deno.test("a line longer than the batch is written apart from the lines around it", async () => {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      writes.push(decoder.decode(chunk));
    },
  });
  const writer = createLineWriter(stream, { batchBytes: 16 });
  const long = JSON.stringify({ text: "é".repeat(40) });
  writer.write("a");
  writer.write(long);
  writer.write("b");
  await writer.close();
  assert.equal(writes.join(""), `a\n${long}\nb\n`);
  assert.equal(writes[0], "a\n");
  assert.equal(writes.at(-1), "b\n");
  assert.equal(writes.slice(1, -1).join(""), `${long}\n`, "no other line shares its writes");
});

Deno.test("a long line goes out in pieces of the batch size, never splitting a character", async () => {
  const writes: Uint8Array[] = [];
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      writes.push(chunk.slice());
    },
  });
  const writer = createLineWriter(stream, { batchBytes: 16 });
  // Emoji are surrogate pairs (2 UTF-16 units, 4 UTF-8 bytes); "é" is 1 unit, 2 bytes.
  const long = JSON.stringify({ text: "a😀é".repeat(30) });
  writer.write("first");
  writer.write(long);
  writer.write("last");
  await writer.close();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const text = decoder.decode(new Uint8Array(writes.flatMap((chunk) => [...chunk])));
  assert.equal(text, `first\n${long}\nlast\n`);
  for (const chunk of writes) decoder.decode(chunk); // each piece is valid UTF-8 on its own
  assert.ok(writes.length > long.length / 16, "the long line took several writes");
  assert.equal(writer.queuedBytes, 0);
});
