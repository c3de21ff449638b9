import assert from "node:assert/strict";
import { countingSignal } from "../support/counting_signal.ts";
import { BridgeError } from "../../lib/errors.ts";
import { trackTask, transportClosedError, TransportCloser } from "../../lib/transport/lifecycle.ts";

Deno.test("lifecycle: a tracked task stays in the set until it settles, either way", async () => {
  const tasks = new Set<Promise<unknown>>();
  const ok = Promise.withResolvers<string>();
  const failed = Promise.withResolvers<string>();
  const tracked = trackTask(tasks, ok.promise);
  const trackedFailure = trackTask(tasks, failed.promise);
  assert.equal(tracked, ok.promise);
  assert.equal(tasks.size, 2);
  ok.resolve("done");
  assert.equal(await tracked, "done");
  failed.reject(new Error("no"));
  await assert.rejects(trackedFailure, /no/);
  await Promise.resolve();
  assert.equal(tasks.size, 0);
});

Deno.test("lifecycle: the closed-transport error is session_lost with a hint", () => {
  const error = transportClosedError();
  assert.ok(error instanceof BridgeError);
  assert.equal(error.kind, "session_lost");
  assert.match(error.message, /Connection to the server was closed/);
});

Deno.test("lifecycle: an exchange's signal follows its caller's, and release unhooks it", () => {
  const closer = new TransportCloser();
  const caller = countingSignal();
  const exchange = closer.exchange(caller.controller.signal);
  assert.equal(caller.listeners(), 1);
  caller.controller.abort("cancelled");
  assert.equal(exchange.signal.reason, "cancelled");
  exchange.release();
  assert.equal(caller.listeners(), 0);

  const released = closer.exchange(new AbortController().signal);
  released.release();
  closer.abort("closed");
  assert.equal(released.signal.aborted, false, "a released exchange is no longer aborted");
});

Deno.test("lifecycle: abort ends the transport's signal and every running exchange", () => {
  const closer = new TransportCloser();
  const withCaller = closer.exchange(new AbortController().signal);
  const alone = closer.exchange();
  closer.abort("closed");
  assert.equal(closer.signal.reason, "closed");
  assert.equal(withCaller.signal.reason, "closed");
  assert.equal(alone.signal.reason, "closed");
  const late = closer.exchange();
  assert.equal(late.signal.reason, "closed", "an exchange opened after close starts aborted");
});

Deno.test("lifecycle: an exchange for an aborted caller starts aborted", () => {
  const caller = new AbortController();
  caller.abort("gone");
  assert.equal(new TransportCloser().exchange(caller.signal).signal.reason, "gone");
});
