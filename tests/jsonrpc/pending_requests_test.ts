import assert from "node:assert/strict";
import { type PendingRequest, PendingRequests } from "../../lib/jsonrpc/pending_requests.ts";
import { createFakeTimers } from "../support/fake_timers.ts";

const request = (id: number | string, token?: string) => ({
  jsonrpc: "2.0" as const,
  id,
  method: "tools/call",
  params: token ? { _meta: { progressToken: token } } : {},
});

Deno.test("a request times out once and is removed", () => {
  const timedOut: PendingRequest[] = [];
  const timers = createFakeTimers();
  const pending = new PendingRequests({ onTimeout: (r) => timedOut.push(r), timers });
  pending.add(request(1), 20);
  timers.advance(19);
  assert.equal(timedOut.length, 0);
  timers.advance(41);
  assert.equal(timedOut.length, 1);
  assert.equal(timedOut[0].timeoutMs, 20);
  assert.equal(timedOut[0].id, 1);
  assert.equal(pending.settle(1), "unknown");
});

Deno.test("progress with the request's token resets its timer", () => {
  const timedOut: PendingRequest[] = [];
  const timers = createFakeTimers();
  const pending = new PendingRequests({ onTimeout: (r) => timedOut.push(r), timers });
  const added = pending.add(request(1, "tok"), 50);
  for (let i = 0; i < 4; i++) {
    timers.advance(30);
    assert.equal(pending.touchProgress("tok"), added);
  }
  assert.equal(timedOut.length, 0, "progress kept it alive past its timeout");
  assert.equal(pending.settle(1), "settled");
  timers.advance(1_000);
  assert.equal(timedOut.length, 0, "a settled request never times out");
  assert.equal(timers.pending, 0, "the timer stops once nothing has a deadline");
});

Deno.test("take returns the request once, with what its owner attached", () => {
  const pending = new PendingRequests<string>({ onTimeout: () => {} });
  pending.add(request(1), 0, "owner");
  assert.equal(pending.take(1)?.data, "owner");
  assert.equal(pending.take(1), undefined);
  assert.equal(pending.touchProgress("nobody"), undefined);
});

Deno.test('ids 1 and "1" are different requests; drained resolves when all settle', async () => {
  const pending = new PendingRequests({ onTimeout: () => {} });
  pending.add(request(1), 0);
  pending.add(request("1"), 0);
  assert.equal(pending.size, 2);
  const drained = pending.drained();
  assert.equal(pending.settle(1), "settled");
  assert.equal(pending.has("1"), true);
  assert.equal(pending.settle("1"), "settled");
  await drained;
  assert.equal(pending.size, 0);
});

Deno.test("abortAll aborts every controller, returns the requests and stops the timer", () => {
  const pending = new PendingRequests({ onTimeout: () => {} });
  const a = pending.add(request(1), 1000);
  const b = pending.add(request(2), 1000);
  const timers = createFakeTimers();
  const timed = new PendingRequests({ onTimeout: () => {}, timers });
  timed.add(request(3), 1000);
  timed.settle(3);
  timed.abortAll(new Error("bye"));
  assert.equal(timers.pending, 0, "abortAll stops the timer");
  const aborted = pending.abortAll(new Error("bye"));
  assert.equal(aborted.length, 2);
  assert.ok(a.controller.signal.aborted && b.controller.signal.aborted);
  assert.equal(pending.size, 0);
});

Deno.test("a request's timer stops while it waits on the client and restarts in full after", () => {
  const timedOut: PendingRequest[] = [];
  const timers = createFakeTimers();
  const pending = new PendingRequests({ onTimeout: (r) => timedOut.push(r), timers });
  pending.add(request(1), 50);
  timers.advance(40);
  pending.waitOnClient(1, true);
  timers.advance(1_000);
  assert.equal(timers.pending, 0, "no timer while the client is asked");
  pending.waitOnClient(1, false);
  timers.advance(49);
  assert.equal(timedOut.length, 0);
  timers.advance(1);
  assert.equal(timedOut.length, 1);
  pending.waitOnClient(1, true); // unknown by now: nothing happens
});

Deno.test("one timer serves every request; each still times out at its own deadline", () => {
  const timedOut: (number | string)[] = [];
  const timers = createFakeTimers();
  const pending = new PendingRequests({ onTimeout: (r) => timedOut.push(r.id), timers });
  pending.add(request(1), 50);
  timers.advance(30);
  pending.add(request(2), 50);
  pending.add(request(3), 50);
  assert.equal(timers.pending, 1, "one timer for three requests");
  timers.advance(5);
  pending.add(request(4), 10); // due at 45, before request 1
  timers.advance(9);
  assert.deepEqual(timedOut, []);
  timers.advance(1);
  assert.deepEqual(timedOut, [4]);
  assert.equal(pending.settle(2), "settled");
  timers.advance(5);
  assert.deepEqual(timedOut, [4, 1]);
  timers.advance(29);
  assert.deepEqual(timedOut, [4, 1]);
  timers.advance(1);
  assert.deepEqual(timedOut, [4, 1, 3]);
  assert.equal(pending.size, 0);
  assert.equal(timers.pending, 0, "no timer left once nothing waits");
});

Deno.test("held timeouts start in full on release, and a settled request never times out", () => {
  const timedOut: (number | string)[] = [];
  const timers = createFakeTimers();
  const pending = new PendingRequests({ onTimeout: (r) => timedOut.push(r.id), timers });
  pending.add(request(1), 20);
  pending.add(request(2), 20);
  pending.hold(true);
  timers.advance(1_000);
  assert.equal(timers.pending, 0, "no timer while held");
  pending.hold(false);
  assert.equal(pending.settle(1), "settled");
  timers.advance(19);
  assert.deepEqual(timedOut, []);
  timers.advance(1);
  assert.deepEqual(timedOut, [2]);
});

/** Requests whose timeout handler, when request 1 times out, adds request 9 with `laterMs`. */
function addingOnTimeout(laterMs: number) {
  const timedOut: (number | string)[] = [];
  const timers = createFakeTimers();
  const pending = new PendingRequests({
    onTimeout: (r) => {
      timedOut.push(r.id);
      if (r.id === 1) pending.add(request(9), laterMs);
    },
    timers,
  });
  return { pending, timers, timedOut };
}

Deno.test("a request that times out may add another; its deadline is kept", () => {
  const { pending, timers, timedOut } = addingOnTimeout(15);
  pending.add(request(1), 10);
  timers.advance(10);
  assert.deepEqual(timedOut, [1]);
  timers.advance(14);
  assert.deepEqual(timedOut, [1]);
  timers.advance(1);
  assert.deepEqual(timedOut, [1, 9]);
});

Deno.test("a request added by a timeout handler does not delay an earlier deadline", () => {
  const { pending, timers, timedOut } = addingOnTimeout(100);
  pending.add(request(1), 10);
  pending.add(request(2), 15);
  timers.advance(10);
  assert.deepEqual(timedOut, [1]);
  timers.advance(5);
  assert.deepEqual(timedOut, [1, 2], "request 2 times out at its own deadline, not at request 9's");
  timers.advance(95);
  assert.deepEqual(timedOut, [1, 2, 9]);
});
