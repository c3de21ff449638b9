import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import type { JsonRpcMessage } from "../../lib/jsonrpc/message.ts";
import { describeMessage, InboundRouter } from "../../lib/transport/inbound.ts";
import { createCapturingLogger } from "./harness.ts";

function setup() {
  const delivered: Array<{ message: JsonRpcMessage; raw?: string }> = [];
  const seen: unknown[] = [];
  const { log, lines } = createCapturingLogger();
  const router = new InboundRouter({
    onMessage: (message, raw) => {
      delivered.push({ message, raw });
    },
    log,
    onResponse: (pending, response) => seen.push([pending.id, response.id]),
  });
  return { router, delivered, lines, seen };
}

Deno.test("inbound: a response settles its request once and keeps the raw text", async () => {
  const t = setup();
  const pending = t.router.track(1);
  const raw = '{"jsonrpc":"2.0","id":1,"result":{"ok":true}}';
  t.router.routeSseEvent(raw);
  assert.equal(pending.settled, true);
  assert.deepEqual(await pending.answered, JSON.parse(raw));
  assert.deepEqual(t.delivered, [{ message: JSON.parse(raw), raw }]);
  assert.deepEqual(t.seen, [[1, 1]]);
  t.router.routeSseEvent(raw);
  assert.equal(t.delivered.length, 1, "a repeated response is dropped");
  assert.ok(t.lines.some((line) => line.includes("late or repeated")));
});

Deno.test('inbound: ids are keyed by type, so 1 and "1" are different requests', () => {
  const t = setup();
  const numeric = t.router.track(1);
  t.router.routeValue({ jsonrpc: "2.0", id: "1", result: {} }, "{}");
  assert.equal(numeric.settled, false);
  assert.ok(t.lines.some((line) => line.includes("unknown request")));
});

Deno.test("inbound: notifications and server requests go to the handler; internal answers do not", () => {
  const t = setup();
  const internal = t.router.track("bridge-1", { internal: true });
  t.router.routeJsonBody(
    JSON.stringify([
      { jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } },
      { jsonrpc: "2.0", id: 9, method: "ping" },
      { jsonrpc: "2.0", id: "bridge-1", result: { protocolVersion: "2025-11-25" } },
    ]),
  );
  assert.deepEqual(t.delivered.map((d) => describeMessage(d.message)), [
    "notifications/progress",
    "ping (id 9)",
  ]);
  assert.deepEqual(internal.response, {
    jsonrpc: "2.0",
    id: "bridge-1",
    result: { protocolVersion: "2025-11-25" },
  });
});

Deno.test("inbound: priming events, other event types, junk and invalid messages are skipped", () => {
  const t = setup();
  t.router.routeSseEvent("");
  t.router.routeSseEvent('{"jsonrpc":"2.0","method":"x"}', "endpoint");
  t.router.routeSseEvent("not json");
  t.router.routeSseEvent('{"jsonrpc":"1.0","method":"x"}');
  t.router.routeSseEvent('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}');
  assert.equal(t.delivered.length, 0);
  assert.throws(
    () => t.router.routeJsonBody("{oops"),
    (error: unknown) => error instanceof BridgeError && error.kind === "protocol",
  );
});

Deno.test("inbound: abandoning and failAll reject the waiters; a later answer is late", async () => {
  const t = setup();
  const a = t.router.track(1);
  const b = t.router.track(2);
  t.router.abandon(a, new Error("timeout"));
  await assert.rejects(a.answered, /timeout/);
  t.router.failAll(new Error("stream ended"));
  await assert.rejects(b.answered, /stream ended/);
  assert.equal(t.router.size, 0);
  t.router.routeSseEvent('{"jsonrpc":"2.0","id":2,"result":{}}');
  assert.equal(t.delivered.length, 0);
});
