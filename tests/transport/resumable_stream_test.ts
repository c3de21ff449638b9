import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import {
  backoffDelay,
  followStream,
  readResumableStream,
  type Scheduler,
  type StreamOpening,
} from "../../lib/transport/resumable_stream.ts";
import type { SseEvent } from "../../lib/transport/sse.ts";
import { createCapturingLogger } from "./harness.ts";

function streamOf(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

/** A scheduler that records each wait and returns at once. */
function recordingScheduler(): Scheduler & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep(ms, signal) {
      waits.push(ms);
      return signal.aborted ? Promise.reject(signal.reason) : Promise.resolve();
    },
  };
}

Deno.test("resumable stream: back-off doubles up to the cap", () => {
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, 100)), [100, 200, 400, 800]);
  assert.equal(backoffDelay(30, 1_000), 30_000);
});

Deno.test("resumable stream: resumes after the last event id, honours retry, drops replays", async () => {
  const { log } = createCapturingLogger();
  const scheduler = recordingScheduler();
  const events: SseEvent[] = [];
  const resumedFrom: string[] = [];
  let done = false;
  await readResumableStream(streamOf("retry: 250\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n"), {
    onEvent: (event) => {
      events.push(event);
      if (event.data === "c") done = true;
    },
    isDone: () => done,
    resume: (lastEventId) => {
      resumedFrom.push(lastEventId);
      return Promise.resolve(streamOf("id: 2\ndata: b\n\nid: 3\ndata: c\n\n"));
    },
    label: "test",
    signal: new AbortController().signal,
    log,
    scheduler,
  });
  assert.deepEqual(events.map((e) => e.data), ["a", "b", "c"]);
  assert.deepEqual(resumedFrom, ["2"]);
  assert.deepEqual(scheduler.waits, [250]);
});

Deno.test("resumable stream: no event id to resume from is stream_lost", async () => {
  const { log } = createCapturingLogger();
  await assert.rejects(
    readResumableStream(streamOf("data: a\n\n"), {
      onEvent: () => {},
      isDone: () => false,
      resume: () => Promise.reject(new Error("must not resume")),
      label: "test",
      signal: new AbortController().signal,
      log,
      scheduler: recordingScheduler(),
    }),
    (error: unknown) => error instanceof BridgeError && error.kind === "stream_lost",
  );
});

Deno.test("resumable stream: gives up after attempts without progress, backing off", async () => {
  const { log } = createCapturingLogger();
  const scheduler = recordingScheduler();
  await assert.rejects(
    readResumableStream(streamOf("id: 1\ndata: a\n\n"), {
      onEvent: () => {},
      isDone: () => false,
      resume: () => Promise.resolve(undefined),
      label: "test",
      signal: new AbortController().signal,
      log,
      scheduler,
      reconnectDelayMs: 10,
    }),
    /no progress after 5 attempts/,
  );
  assert.deepEqual(scheduler.waits, [10, 20, 40, 80, 160]);
});

Deno.test("follow stream: reconnects at once after events, backs off while quiet, stops on request", async () => {
  const { log } = createCapturingLogger();
  const scheduler = recordingScheduler();
  const openings: StreamOpening[] = [
    { kind: "open", body: streamOf("id: 1\ndata: a\n\n") },
    { kind: "open", body: streamOf(": keep-alive\n\n") },
    { kind: "retry", status: 503 },
    { kind: "open", body: streamOf("") },
    { kind: "stop" },
  ];
  const lastIds: Array<string | undefined> = [];
  const events: string[] = [];
  let opens = 0;
  await followStream({
    open: (lastEventId) => {
      lastIds.push(lastEventId);
      return Promise.resolve(openings.shift()!);
    },
    onOpen: () => opens++,
    onEvent: (event) => void events.push(event.data),
    signal: new AbortController().signal,
    log,
    scheduler,
    reconnectDelayMs: 10,
  });
  assert.deepEqual(events, ["a"]);
  assert.deepEqual(lastIds, [undefined, "1", "1", "1", "1"]);
  assert.equal(opens, 3);
  assert.deepEqual(scheduler.waits, [0, 10, 10, 20]);
});

Deno.test("follow stream: a fatal refusal ends it with that error", async () => {
  const { log } = createCapturingLogger();
  const fatal = new BridgeError("auth_failed", "refused");
  await assert.rejects(
    followStream({
      open: () => Promise.reject(fatal),
      onEvent: () => {},
      signal: new AbortController().signal,
      log,
      scheduler: recordingScheduler(),
    }),
    (error: unknown) => error === fatal,
  );
});

Deno.test("follow stream: transient failures never end it; the back-off is capped", async () => {
  const { log } = createCapturingLogger();
  const scheduler = recordingScheduler();
  const controller = new AbortController();
  let opens = 0;
  const unreachable = new BridgeError("unreachable", "Cannot reach the server");
  await followStream({
    open: () => {
      opens++;
      if (opens === 40) controller.abort();
      if (opens % 2 === 0) return Promise.reject(unreachable);
      return Promise.resolve({ kind: "retry", status: 502 });
    },
    onEvent: () => {},
    signal: controller.signal,
    log,
    scheduler,
    reconnectDelayMs: 100,
  });
  assert.equal(opens, 40);
  assert.equal(Math.max(...scheduler.waits), backoffDelay(100, 100));
  assert.equal(scheduler.waits.at(-1), backoffDelay(100, 100));
});

Deno.test("follow stream: an oversize event drops the stream, which is then reopened", async () => {
  const { log, lines } = createCapturingLogger();
  const controller = new AbortController();
  const events: string[] = [];
  let opens = 0;
  await followStream({
    open: () => {
      opens++;
      if (opens === 1) {
        return Promise.resolve({
          kind: "open",
          body: streamOf(`data: small\n\ndata: ${"x".repeat(500)}\n\n`),
        });
      }
      controller.abort();
      return Promise.resolve({ kind: "stop" });
    },
    onEvent: (event) => void events.push(event.data),
    signal: controller.signal,
    log,
    scheduler: recordingScheduler(),
    maxEventBytes: 100,
  });
  assert.deepEqual(events, ["small"]);
  assert.equal(opens, 2);
  assert.ok(lines.some((line) => /larger than the limit of 100 bytes/.test(line)));
});
