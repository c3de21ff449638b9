/**
 * The proxy's Relay in process, with a transport that records what it is given and answers as
 * each test says, and fake timers for the per-request timeouts: nothing here waits for time.
 */

import assert from "node:assert/strict";
import { Relay } from "../lib/bridge.ts";
import type { LineWriter } from "../lib/jsonrpc/line_writer.ts";
import type { JsonRpcMessage } from "../lib/jsonrpc/message.ts";
import { silentLogger } from "../lib/log.ts";
import type {
  MessageHandler,
  SendOptions,
  SignInEvent,
  Transport,
} from "../lib/transport/types.ts";
import { createFakeTimers } from "./support/fake_timers.ts";
import { waitUntil } from "./support/wait.ts";

/** One send the relay made, with the means to finish it. */
interface Sent {
  message: JsonRpcMessage;
  options?: SendOptions;
  resolve(): void;
  reject(error: unknown): void;
}

/** A transport whose sends stay open until the test settles them. */
class FakeTransport implements Transport {
  readonly sent: Sent[] = [];
  closed = false;
  protocolVersion: string | undefined = undefined;
  constructor(readonly toClient: MessageHandler) {}

  send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    return new Promise((resolve, reject) => this.sent.push({ message, options, resolve, reject }));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** The sends of `method`. */
  sentFor(method: string): Sent[] {
    return this.sent.filter((s) => "method" in s.message && s.message.method === method);
  }
}

/** A line writer that keeps the parsed lines. */
function createRecordingWriter(): LineWriter & { messages: Record<string, unknown>[] } {
  const messages: Record<string, unknown>[] = [];
  return {
    messages,
    write: (line) => void messages.push(JSON.parse(line)),
    backpressure: () => undefined,
    queuedBytes: 0,
    flush: () => Promise.resolve(),
    close: () => Promise.resolve(),
    failed: undefined,
  };
}

function createRelay(options: { timeoutMs?: number; authTimeoutMs?: number } = {}) {
  const timers = createFakeTimers();
  const out = createRecordingWriter();
  let transport!: FakeTransport;
  const relay = new Relay({
    transport: (onMessage) => transport = new FakeTransport(onMessage),
    out,
    log: silentLogger,
    timeoutMs: options.timeoutMs ?? 60_000,
    authTimeoutMs: options.authTimeoutMs ?? 120_000,
    timers,
  });
  return { relay, out, transport, timers };
}

const call = (id: number | string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "x", ...extra } });

const errorOf = (message: Record<string, unknown> | undefined) =>
  message?.error as { code: number; message: string; data: Record<string, unknown> } | undefined;

Deno.test("relay: a request goes to the transport as received and its answer comes back once", async () => {
  const { relay, out, transport } = createRelay();
  relay.acceptLine(call(1));
  await waitUntil(() => transport.sent.length === 1, "the send");
  assert.equal(transport.sent[0].options?.raw, call(1), "the raw line is passed on");
  transport.toClient({ jsonrpc: "2.0", id: 1, result: { ok: true } });
  transport.toClient({ jsonrpc: "2.0", id: 1, result: { again: true } });
  transport.sent[0].resolve();
  await relay.shutdown(0);
  assert.deepEqual(out.messages, [{ jsonrpc: "2.0", id: 1, result: { ok: true } }]);
  assert.ok(transport.closed);
});

Deno.test("relay: a timed-out request gets one timeout error and the server a cancellation", async () => {
  const { relay, out, transport, timers } = createRelay({ timeoutMs: 2_000 });
  relay.acceptLine(call("a"));
  await waitUntil(() => transport.sent.length === 1, "the send");
  timers.advance(1_999);
  assert.equal(out.messages.length, 0);
  timers.advance(1);
  const error = errorOf(out.messages[0]);
  assert.equal(error?.data.kind, "timeout");
  assert.equal(error?.message, "Request tools/call timed out after 2 s");
  assert.ok(transport.sent[0].options?.signal?.aborted, "the transport's send is aborted");
  await waitUntil(() => transport.sentFor("notifications/cancelled").length === 1, "the cancel");
  assert.deepEqual(
    (transport.sentFor("notifications/cancelled")[0].message as { params: unknown }).params,
    { requestId: "a", reason: "Timed out in mcp-streamablehttp-client" },
  );
  transport.toClient({ jsonrpc: "2.0", id: "a", result: {} });
  assert.equal(out.messages.length, 1, "a late answer is dropped");
  for (const sent of transport.sent) sent.resolve();
  await relay.shutdown(0);
});

Deno.test("relay: an initialize timeout reports the initialize timeout, not the request timeout", async () => {
  const { relay, out, transport, timers } = createRelay({ timeoutMs: 2_000, authTimeoutMs: 3_000 });
  relay.acceptLine(JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }));
  await waitUntil(() => transport.sent.length === 1, "the send");
  timers.advance(2_000);
  assert.equal(out.messages.length, 0, "initialize also waits for a sign-in");
  timers.advance(3_000);
  assert.equal(errorOf(out.messages[0])?.message, "Request initialize timed out after 5 s");
  assert.equal(
    transport.sentFor("notifications/cancelled").length,
    0,
    "initialize is not cancelled",
  );
  transport.sent[0].resolve();
  await relay.shutdown(0);
});

Deno.test("relay: progress for a request restarts its timer", async () => {
  const { relay, out, transport, timers } = createRelay({ timeoutMs: 1_000 });
  relay.acceptLine(call(7, { _meta: { progressToken: "p7" } }));
  await waitUntil(() => transport.sent.length === 1, "the send");
  for (let i = 0; i < 3; i++) {
    timers.advance(900);
    transport.toClient({
      jsonrpc: "2.0",
      method: "notifications/progress",
      params: { progressToken: "p7", progress: i },
    });
  }
  assert.equal(out.messages.filter((m) => "error" in m).length, 0);
  assert.equal(out.messages.length, 3, "the progress reached the client");
  transport.toClient({ jsonrpc: "2.0", id: 7, result: {} });
  transport.sent[0].resolve();
  await relay.shutdown(0);
  assert.equal(out.messages.length, 4);
});

Deno.test("relay: a failed send and a send that ends without an answer each owe one error", async () => {
  const { relay, out, transport } = createRelay();
  relay.acceptLine(call(1));
  relay.acceptLine(call(2));
  await waitUntil(() => transport.sent.length === 2, "the sends");
  transport.sent[0].reject(new Error("connection refused"));
  transport.sent[1].resolve();
  await waitUntil(() => out.messages.length === 2, "both errors");
  await relay.shutdown(0);
  const byId = new Map(out.messages.map((m) => [m.id, errorOf(m)]));
  assert.equal(byId.get(1)?.data.source, "mcp-streamablehttp-client");
  assert.equal(byId.get(2)?.message, "Server ended the exchange without a response");
  assert.equal(out.messages.length, 2);
});

Deno.test("relay: an id already in flight is refused and the first request is undisturbed", async () => {
  const { relay, out, transport } = createRelay();
  relay.acceptLine(call(5));
  relay.acceptLine(call(5));
  await waitUntil(() => out.messages.length === 1, "the refusal");
  assert.equal(errorOf(out.messages[0])?.data.kind, "invalid_request");
  assert.equal(transport.sent.length, 1);
  transport.toClient({ jsonrpc: "2.0", id: 5, result: {} });
  transport.sent[0].resolve();
  await relay.shutdown(0);
  assert.deepEqual(out.messages[1], { jsonrpc: "2.0", id: 5, result: {} });
});

Deno.test("relay: the client's cancellation aborts the send and is relayed", async () => {
  const { relay, out, transport } = createRelay();
  relay.acceptLine(call(3));
  await waitUntil(() => transport.sent.length === 1, "the send");
  relay.acceptLine(JSON.stringify({
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: 3 },
  }));
  assert.ok(transport.sent[0].options?.signal?.aborted);
  await waitUntil(() => transport.sentFor("notifications/cancelled").length === 1, "the cancel");
  transport.sent[0].reject(transport.sent[0].options?.signal?.reason);
  transport.sent[1].resolve();
  await relay.shutdown(0);
  assert.deepEqual(out.messages, [], "a cancelled request gets no answer");
});

Deno.test("relay: malformed lines get their JSON-RPC errors and nothing is sent", async () => {
  const { relay, out, transport } = createRelay();
  relay.acceptLine("not json");
  relay.acceptLine(JSON.stringify({ jsonrpc: "2.0", id: 9 }));
  relay.acceptLine("   ");
  await relay.shutdown(0);
  assert.deepEqual(out.messages.map((m) => errorOf(m)?.code), [-32700, -32600]);
  assert.equal(transport.sent.length, 0);
});

Deno.test("relay: shutdown answers what is still pending and closes the transport", async () => {
  const { relay, out, transport } = createRelay();
  relay.acceptLine(call(11));
  await waitUntil(() => transport.sent.length === 1, "the send");
  const stopping = relay.shutdown(0);
  transport.sent[0].reject(transport.sent[0].options?.signal?.reason);
  await stopping;
  assert.equal(errorOf(out.messages[0])?.data.kind, "stream_lost");
  assert.equal(out.messages.length, 1);
  assert.ok(transport.closed);
});

Deno.test("relay: requests waiting for a sign-in are held, hear progress, then time out again", () => {
  const timers = createFakeTimers();
  const out = createRecordingWriter();
  let emit: (event: SignInEvent) => void = () => {};
  const relay = new Relay({
    transport: (onMessage) => new FakeTransport(onMessage),
    out,
    log: silentLogger,
    timeoutMs: 60_000,
    timers,
    signInProgressIntervalMs: 10_000,
    watchSignIn: (listener) => {
      emit = listener;
      return () => emit = () => {};
    },
  });
  relay.acceptLine(call(1, { _meta: { progressToken: "p1" } }));
  relay.acceptLine(call(2));
  emit({ kind: "started", message: "Waiting for the sign-in to example.com in the browser" });
  const progress = () =>
    out.messages.filter((m) => m.method === "notifications/progress").map((m) => m.params);
  assert.deepEqual(progress(), [{
    progressToken: "p1",
    progress: 1,
    message: "Waiting for the sign-in to example.com in the browser",
  }]);

  // Far past --timeout: nothing times out while the sign-in runs; progress keeps coming.
  timers.advance(65_000);
  assert.equal(out.messages.filter((m) => "error" in m).length, 0);
  assert.deepEqual(
    progress().map((p) => (p as { progress: number }).progress),
    [1, 2, 3, 4, 5, 6, 7],
  );

  // A request arriving during the sign-in hears at once why it waits.
  relay.acceptLine(call(3, { _meta: { progressToken: "p3" } }));
  assert.equal((progress().at(-1) as { progressToken: string }).progressToken, "p3");

  // After the sign-in the full timeout runs again, from now.
  emit({ kind: "finished" });
  timers.advance(59_999);
  assert.equal(out.messages.filter((m) => "error" in m).length, 0);
  timers.advance(1);
  const errors = out.messages.filter((m) => "error" in m);
  assert.deepEqual(errors.map((m) => m.id).sort(), [1, 2, 3]);
  assert.equal(errorOf(errors[0])?.data.kind, "timeout");
  const ticks = progress().length;
  timers.advance(30_000);
  assert.equal(progress().length, ticks, "no progress after the sign-in");
});
