import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import { trackTask, transportClosedError } from "../../lib/transport/lifecycle.ts";

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
