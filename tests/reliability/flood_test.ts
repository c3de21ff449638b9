/**
 * A server floods the bridge while the stdio client stops reading stdout: the bridge must slow
 * its reading of the server's stream (backpressure), keep its memory bounded, lose nothing and
 * stay alive. Peak memory is the bridge's own VmHWM from /proc (Linux), with a generous bound.
 */
import assert from "node:assert/strict";
import { startFloodServer } from "../fixtures/flood_server.ts";
import { initialize, type Message, startBridge } from "../support/bridge_process.ts";
import { readPeakRssBytes } from "../support/proc_status.ts";

/** Flood size: far above the bound below, so an unbounded queue cannot pass. */
const FLOOD_COUNT = 96_000;
const PAD_BYTES = 1_000;
/**
 * How much the bridge's peak RSS may grow during the flood (~100 MiB), generously: the garbage
 * collector takes about 110 MiB of working room under such a stream, whatever its size (the
 * bench measures 110 MiB for 32 MiB and 123 MiB for 323 MiB). An unbounded queue grew by 240-300
 * MiB for this flood.
 */
const GROWTH_BOUND_BYTES = 192 * 1024 * 1024;
/** While stdout stalls, the server may get this far ahead: the cap plus pipe and socket buffers. */
const AHEAD_BOUND_BYTES = 32 * 1024 * 1024;
/** A flood stream not pulled for this long means the bridge stopped reading it. */
const QUIET_MS = 400;

function assertDeliveredOnce(messages: Message[], count: number, responseId: unknown): void {
  const seqs: number[] = [];
  let responseAt = -1;
  messages.forEach((message, index) => {
    if (message.method === "notifications/message") {
      const params = message.params as { data: { seq: number } };
      seqs.push(params.data.seq);
    }
    if (message.id === responseId) responseAt = index;
  });
  assert.equal(seqs.length, count, "every notification arrives exactly once");
  for (let i = 0; i < count; i++) {
    if (seqs[i] !== i) assert.fail(`notification ${i} arrived as ${seqs[i]}: order broken`);
  }
  assert.ok(responseAt > 0, "the response arrives");
  const lastNotification = messages.findLastIndex((m) => m.method === "notifications/message");
  assert.ok(responseAt > lastNotification, "the response comes after its notifications");
}

async function floodWithStalledReader(transport: "streamable-http" | "sse"): Promise<void> {
  if (Deno.build.os !== "linux") return;
  await using server = startFloodServer({ padBytes: PAD_BYTES });
  const url = transport === "sse" ? server.legacyUrl : server.url;
  await using bridge = startBridge(["--server-url", url.href, "--transport", transport]);
  await initialize(bridge);
  const pid = bridge.process.pid;
  const before = await readPeakRssBytes(pid);
  const stalledOrDone = server.stalledOrDone(QUIET_MS);
  bridge.holdStdout(stalledOrDone);
  await bridge.send({
    jsonrpc: "2.0",
    id: "flood",
    method: "tools/call",
    params: { name: "flood", arguments: { count: FLOOD_COUNT } },
  });
  const outcome = await stalledOrDone;
  const ahead = server.sentBytes;
  assert.equal(outcome, "stalled", "the bridge stops reading while stdout is stalled");
  assert.ok(ahead < AHEAD_BOUND_BYTES, `the server got ${ahead} bytes ahead of the reader`);
  const response = await bridge.response("flood", 120_000);
  assert.ok("result" in response, JSON.stringify(response).slice(0, 300));
  const growth = (await readPeakRssBytes(pid)) - before;
  assertDeliveredOnce(bridge.messages, FLOOD_COUNT, "flood");
  assert.ok(
    growth < GROWTH_BOUND_BYTES,
    `peak RSS grew by ${(growth / 1048576).toFixed(1)} MiB during a ` +
      `${(server.sentBytes / 1048576).toFixed(0)} MiB flood (reader ${outcome})`,
  );
  const { code } = await bridge.end();
  assert.equal(code, 0);
}

Deno.test("flood: a stalled stdout slows a POST SSE reply; bounded memory, nothing lost", () =>
  floodWithStalledReader("streamable-http"));

Deno.test("flood: a stalled stdout slows the legacy HTTP+SSE stream the same way", () =>
  floodWithStalledReader("sse"));
