import assert from "node:assert/strict";
import { createLineWriter } from "../../lib/jsonrpc/line_writer.ts";

Deno.test("lines are written whole, in call order, each ending in a newline", async () => {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const stream = new WritableStream<Uint8Array>({
    async write(chunk) {
      await new Promise((r) => setTimeout(r, 1));
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
