import assert from "node:assert/strict";
import { countingSignal } from "./support/counting_signal.ts";
import { abortable, sleep, withDeadline } from "../lib/async.ts";

const never = new Promise<never>(() => {});

Deno.test("sleep: resolves after the delay and leaves no listener behind", async () => {
  const { controller, listeners } = countingSignal();
  await sleep(0, controller.signal);
  assert.equal(listeners(), 0);
  await sleep(0);
});

Deno.test("sleep: an abort rejects with the signal's reason and clears the timer", async () => {
  const controller = new AbortController();
  const slept = sleep(60_000, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(slept, { message: "stop" });
  await assert.rejects(sleep(60_000, AbortSignal.abort(new Error("already"))), {
    message: "already",
  });
});

Deno.test("abortable: settles like the promise, and without a signal is the promise", async () => {
  const { controller, listeners } = countingSignal();
  assert.equal(await abortable(Promise.resolve(7), controller.signal), 7);
  await assert.rejects(abortable(Promise.reject(new Error("own")), controller.signal), {
    message: "own",
  });
  assert.equal(listeners(), 0);
  const promise = Promise.resolve(1);
  assert.equal(abortable(promise, undefined), promise);
});

Deno.test("abortable: an abort rejects with the reason, or with what onAbort makes of it", async () => {
  const controller = new AbortController();
  const waiting = abortable(never, controller.signal);
  const mapped = abortable(never, controller.signal, () => new Error("interrupted"));
  controller.abort(new Error("reason"));
  await assert.rejects(waiting, { message: "reason" });
  await assert.rejects(mapped, { message: "interrupted" });
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(abortable(never, aborted.signal), { name: "AbortError" });
});

Deno.test("abortable: with the signal already aborted, the promise's own rejection is handled", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (event: PromiseRejectionEvent) => {
    unhandled.push(event.reason);
    event.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  try {
    // As a body read that the same abort errors: it rejects after the race was decided.
    const read = Promise.withResolvers<never>();
    const stop = AbortSignal.abort(new Error("stopped"));
    await assert.rejects(abortable(read.promise, stop), /stopped/);
    read.reject(new DOMException("The signal has been aborted", "AbortError"));
    await new Promise((resolve) => setTimeout(resolve, 0)); // one turn of the event loop
    assert.deepEqual(unhandled, []);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
  }
});

Deno.test("withDeadline: settles like the promise and clears its timer", async () => {
  const { controller, listeners } = countingSignal();
  // A left-over 60 s timer would fail the test's op sanitizer.
  assert.equal(await withDeadline(Promise.resolve("ok"), { ms: 60_000 }), "ok");
  assert.equal(
    await withDeadline(Promise.resolve("ok"), { ms: 60_000, signal: controller.signal }),
    "ok",
  );
  await assert.rejects(withDeadline(Promise.reject(new Error("own")), { ms: 60_000 }), {
    message: "own",
  });
  assert.equal(listeners(), 0);
});

Deno.test("withDeadline: the deadline rejects with onTimeout's error, or a TimeoutError", async () => {
  await assert.rejects(withDeadline(never, { ms: 0 }), { name: "TimeoutError" });
  await assert.rejects(
    withDeadline(never, { ms: 0, onTimeout: () => new Error("too slow") }),
    { message: "too slow" },
  );
});

Deno.test("withDeadline: an abort before the deadline rejects and clears the timer", async () => {
  const { controller, listeners } = countingSignal();
  const waiting = withDeadline(never, {
    ms: 60_000,
    signal: controller.signal,
    onAbort: (reason) => new Error(`aborted: ${(reason as Error).message}`),
  });
  controller.abort(new Error("bye"));
  await assert.rejects(waiting, { message: "aborted: bye" });
  assert.equal(listeners(), 0);
});
