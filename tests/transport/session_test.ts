import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import { isBridgeId, type JsonRpcMessage } from "../../lib/jsonrpc/message.ts";
import { createStreamableHttpSession, LegacyTransportSignal } from "../../lib/transport/session.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import type { AuthRefusal, CredentialProvider } from "../../lib/transport/types.ts";
import {
  callTool,
  createCapturingLogger,
  createRenewingCredentials,
  handshake,
  Inbox,
  resultText,
} from "./harness.ts";
import { waitUntil } from "../support/wait.ts";
import { startSessionPeer } from "./session_peer.ts";
import { REAL_SCHEDULER, type Scheduler } from "../../lib/transport/resumable_stream.ts";
import { stablePort } from "../support/ports.ts";

function isResponseTo(id: string | number) {
  return (m: JsonRpcMessage) => !("method" in m) && "id" in m && m.id === id;
}

Deno.test("session: SSE mode relays the initialize result and a tool result", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  assert.equal(t.session.protocolVersion, "2025-11-25");
  assert.equal(t.inbox.withId(0).length, 1);
  await t.session.send(callTool(1, "echo", { message: "hi" }));
  assert.equal(resultText(t.inbox.withId(1)[0]), "hi");
  const post = t.server.requestsFor("tools/call")[0];
  assert.equal(post.headers["accept"], "application/json, text/event-stream");
  assert.equal(post.headers["content-type"], "application/json");
});

Deno.test("session: JSON mode relays results with the body text as raw", async () => {
  await using t = await startSessionPeer({ responseMode: "json" });
  await handshake(t.session);
  await t.session.send(callTool(1, "add", { a: 2, b: 3 }));
  const received = t.inbox.received.find((r) => isResponseTo(1)(r.message))!;
  assert.equal(resultText(received.message), "5");
  assert.equal(JSON.parse(received.raw!).id, 1);
  assert.ok(received.raw!.includes('"5"'));
});

Deno.test("session: SSE raw is the event data text", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await t.session.send(callTool("a", "echo", { message: "raw" }));
  const received = t.inbox.received.find((r) => isResponseTo("a")(r.message))!;
  assert.deepEqual(JSON.parse(received.raw!), received.message);
});

Deno.test("session: session id, protocol version, bearer and extra headers on every later request", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await t.session.send(callTool(1, "echo", { message: "x" }));
  await waitUntil(() => t.server.openGetStreams > 0, "the GET stream");
  await t.session.close();
  const [init, ...later] = t.server.requests;
  assert.equal(init.method, "POST");
  assert.equal(init.headers["mcp-session-id"], undefined);
  assert.equal(init.headers["mcp-protocol-version"], undefined);
  assert.equal(init.headers["authorization"], "Bearer static-token-123");
  const sessionId = t.server.requests.find((r) => r.method === "POST" && r !== init)!
    .headers["mcp-session-id"];
  assert.ok(sessionId);
  const methods = new Set(later.map((r) => r.method));
  assert.deepEqual([...methods].sort(), ["DELETE", "GET", "POST"]);
  for (const request of later) {
    assert.equal(request.headers["mcp-session-id"], sessionId, request.method);
    assert.equal(request.headers["mcp-protocol-version"], "2025-11-25", request.method);
    assert.equal(request.headers["authorization"], "Bearer static-token-123", request.method);
    assert.equal(request.headers["x-test"], "yes", request.method);
  }
  assert.ok(!t.lines.some((line) => line.includes(sessionId)), "session id must not be logged");
});

Deno.test("session: no protocol version header for a 2025-03-26 session", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session, "2025-03-26");
  assert.equal(t.session.protocolVersion, "2025-03-26");
  await t.session.send(callTool(1, "echo", { message: "x" }));
  const later = t.server.requests.slice(1);
  assert.ok(later.length >= 2);
  for (const request of later) assert.equal(request.headers["mcp-protocol-version"], undefined);
});

Deno.test("session: notifications and responses are done on 202", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  const initialized = t.server.requestsFor("notifications/initialized");
  assert.equal(initialized.length, 1);
  await t.session.send({
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: 99 },
  });
  assert.equal(t.inbox.received.length, 1); // only the initialize result
});

Deno.test("session: the GET stream opens as notifications/initialized goes out, not after its 202", async () => {
  // The server holds its 202 to notifications/initialized until the GET stream arrives; a bound
  // turns the wait of a bridge that opens the stream only after the 202 into a failure.
  const getArrived = Promise.withResolvers<"GET">();
  let bound: ReturnType<typeof setTimeout> | undefined;
  await using t = await startSessionPeer({
    intercept: async (request, recorded) => {
      if (request.method === "GET") getArrived.resolve("GET");
      const body = recorded.body as { method?: string } | undefined;
      if (body?.method !== "notifications/initialized") return undefined;
      const released = await Promise.race([
        getArrived.promise,
        new Promise<"bound">((resolve) => bound = setTimeout(() => resolve("bound"), 5_000)),
      ]);
      clearTimeout(bound);
      return released === "GET" ? undefined : new Response("no GET stream yet", { status: 500 });
    },
  });
  await handshake(t.session);
  const [initialize, ...later] = t.server.requests;
  assert.equal((initialize.body as { method: string }).method, "initialize");
  assert.ok(later.some((request) => request.method === "GET"), "a GET stream was opened");
  assert.equal(t.server.requestsFor("notifications/initialized").length, 1);
});

Deno.test("session: 202 answering a request is a protocol error", async () => {
  await using t = await startSessionPeer({
    intercept: (_request, recorded) => {
      const body = recorded.body as { method?: string };
      return body?.method === "tools/list" ? new Response(null, { status: 202 }) : undefined;
    },
  });
  await handshake(t.session);
  await assert.rejects(
    t.session.send({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
    (error: BridgeError) => error.kind === "protocol" && /202/.test(error.message),
  );
});

Deno.test("session: progress and logging are relayed before the result, as they arrive", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  const seenBeforeResult: string[] = [];
  const sending = t.session.send(callTool(5, "progress", { steps: 3 }, "tok"));
  const firstProgress = await t.inbox.waitFor((m) =>
    "method" in m && m.method === "notifications/progress"
  );
  // The first progress arrived while the request was still open: not buffered.
  assert.equal(t.inbox.withId(5).length, 0);
  assert.ok(firstProgress);
  await sending;
  for (const m of t.inbox.messages.slice(1)) {
    seenBeforeResult.push(
      "method" in m ? m.method : `response ${String((m as { id: unknown }).id)}`,
    );
  }
  assert.deepEqual(seenBeforeResult, [
    "notifications/progress",
    "notifications/progress",
    "notifications/progress",
    "notifications/message",
    "response 5",
  ]);
});

Deno.test("session: sampling request reaches onMessage and the client's answer is POSTed", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  t.inbox.onRequest = (request) => {
    assert.equal(request.method, "sampling/createMessage");
    t.session.send({
      jsonrpc: "2.0",
      id: request.id,
      result: { role: "assistant", content: { type: "text", text: "sampled!" }, model: "m" },
    });
  };
  await t.session.send(callTool(9, "sample", { prompt: "hello" }));
  assert.equal(resultText(t.inbox.withId(9)[0]), "sampled!");
  const sampling = t.inbox.withMethod("sampling/createMessage")[0] as { id: unknown };
  assert.ok(sampling.id !== undefined);
  const answer = t.server.requests.find((r) =>
    r.method === "POST" && (r.body as { id?: unknown; result?: unknown })?.result !== undefined
  );
  assert.ok(answer, "the answer was POSTed");
  assert.equal((answer.body as { id: unknown }).id, sampling.id);
});

Deno.test("session: elicitation request reaches onMessage and its answer is used", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  t.inbox.onRequest = (request) => {
    t.session.send({
      jsonrpc: "2.0",
      id: request.id,
      result: { action: "accept", content: { name: "Ada" } },
    });
  };
  await t.session.send(callTool(3, "elicit", { message: "Who?" }));
  assert.deepEqual(JSON.parse(resultText(t.inbox.withId(3)[0])!), {
    action: "accept",
    content: { name: "Ada" },
  });
});

for (const how of ["close", "error"] as const) {
  Deno.test(`session: a dropped POST stream (${how}) is resumed with Last-Event-ID, no duplicates`, async () => {
    await using t = await startSessionPeer({ retryInterval: 30 });
    await handshake(t.session);
    await t.session.send(callTool(4, "drop", { how }, "p4"));
    assert.equal(resultText(t.inbox.withId(4)[0]), "survived the drop");
    assert.equal(t.inbox.withId(4).length, 1);
    assert.equal(t.inbox.withMethod("notifications/progress").length, 1);
    const resumes = t.server.requests.filter((r) =>
      r.method === "GET" && r.headers["last-event-id"]
    );
    assert.ok(resumes.length >= 1, "resumed via GET with Last-Event-ID");
    assert.ok(resumes[0].headers["authorization"]);
    assert.ok(resumes[0].headers["mcp-session-id"]);
  });
}

Deno.test("session: two dropped streams are resumed each from its own event id", async () => {
  await using t = await startSessionPeer({ retryInterval: 30 });
  await handshake(t.session);
  await Promise.all([
    t.session.send(callTool("a", "drop", {}, "pa")),
    t.session.send(callTool("b", "drop", { how: "error" }, "pb")),
  ]);
  assert.equal(t.inbox.withId("a").length, 1);
  assert.equal(t.inbox.withId("b").length, 1);
  const resumes = t.server.requests.filter((r) => r.method === "GET" && r.headers["last-event-id"]);
  const ids = new Set(resumes.map((r) => r.headers["last-event-id"]));
  assert.ok(ids.size >= 2, "each stream resumed from its own cursor");
  assert.equal(t.inbox.withMethod("notifications/progress").length, 2);
});

Deno.test("session: the server's SSE retry is respected before resuming", async () => {
  const waits: number[] = [];
  const scheduler: Scheduler = {
    sleep(ms, signal) {
      waits.push(ms);
      return REAL_SCHEDULER.sleep(0, signal); // recorded, not waited
    },
  };
  await using t = await startSessionPeer({ retryInterval: 400 }, {
    reconnectDelayMs: 10,
    scheduler,
  });
  await handshake(t.session);
  await t.session.send(callTool(4, "drop", { afterMs: 10 }, "p4"));
  assert.equal(resultText(t.inbox.withId(4)[0]), "survived the drop");
  assert.ok(t.server.requests.some((r) => r.method === "GET" && r.headers["last-event-id"]));
  // The resume waits the server's 400 ms retry, not the 10 ms default back-off.
  assert.ok(waits.includes(400), `waited ${waits.join(", ")} ms`);
});

Deno.test("session: a dropped stream under 2025-06-18 (no priming event) is resumed too", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session, "2025-06-18");
  await t.session.send(callTool(4, "drop", {}, "p4"));
  assert.equal(resultText(t.inbox.withId(4)[0]), "survived the drop");
  assert.equal(t.inbox.withId(4).length, 1);
});

Deno.test("session: a stream dropped without any event id fails with stream_lost", async () => {
  await using t = await startSessionPeer({ eventStore: false });
  await handshake(t.session);
  await assert.rejects(
    t.session.send(callTool(4, "drop", {}, "p4")),
    (error: BridgeError) => error.kind === "stream_lost",
  );
});

Deno.test("session: 404 re-initializes with the original params, then retries the request", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await waitUntil(() => t.server.openGetStreams > 0, "the GET stream");
  t.server.forgetSessions();
  await t.session.send(callTool(1, "echo", { message: "after re-init" }));
  assert.equal(resultText(t.inbox.withId(1)[0]), "after re-init");
  const inits = t.server.requestsFor("initialize");
  assert.equal(inits.length, 2);
  const [first, second] = inits.map((r) => r.body as { id: unknown; params: unknown });
  assert.deepEqual(second.params, first.params);
  assert.ok(isBridgeId(second.id), "the bridge's own initialize uses a bridge id");
  assert.equal(inits[1].headers["mcp-session-id"], undefined);
  assert.equal(t.inbox.withMethod("notifications/initialized").length, 0);
  assert.equal(t.server.requestsFor("notifications/initialized").length, 2);
  const initResults = t.inbox.messages.filter((m) => "result" in m && "serverInfo" in m.result);
  assert.equal(initResults.length, 1, "the second InitializeResult is not delivered");
  const calls = t.server.requestsFor("tools/call");
  assert.equal(calls.length, 2);
  assert.notEqual(calls[0].headers["mcp-session-id"], calls[1].headers["mcp-session-id"]);
  await waitUntil(
    () =>
      t.server.requests.some((r) =>
        r.method === "GET" && r.headers["mcp-session-id"] === calls[1].headers["mcp-session-id"]
      ),
    "the GET stream of the new session",
  );
  const lastGet = t.server.requests.filter((r) => r.method === "GET").at(-1)!;
  assert.equal(lastGet.headers["mcp-session-id"], calls[1].headers["mcp-session-id"]);
});

Deno.test("session: close sends DELETE with the session id", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  const sessionId = t.server.requests[1].headers["mcp-session-id"];
  await t.session.close();
  const deletes = t.server.requests.filter((r) => r.method === "DELETE");
  assert.equal(deletes.length, 1);
  assert.equal(deletes[0].headers["mcp-session-id"], sessionId);
  assert.equal(t.server.sessionCount, 0);
  await assert.rejects(t.session.send(callTool(1, "echo", { message: "x" })), BridgeError);
});

Deno.test("session: 401 asks the credentials, then re-POSTs the same body with the new token", async () => {
  const credentials = createRenewingCredentials("old-token-1", ["new-token-2"]);
  await using t = await startSessionPeer(
    { verifyToken: (token) => token === "new-token-2" },
    { credentials },
  );
  await handshake(t.session);
  assert.equal(credentials.refusals.length, 1);
  assert.equal(credentials.refusals[0].status, 401);
  assert.equal(credentials.refusals[0].rejectedToken, "old-token-1");
  assert.ok(credentials.refusals[0].challenge?.params.resource_metadata?.includes("/.well-known/"));
  const inits = t.server.requestsFor("initialize");
  assert.equal(inits.length, 2);
  assert.deepEqual(inits[0].body, inits[1].body);
  assert.equal(inits[1].headers["authorization"], "Bearer new-token-2");
  assert.equal(t.inbox.withId(0).length, 1);
  assert.equal(credentials.refusals[0].sessionEstablished, false, "refused while initializing");
});

Deno.test("session: a refusal after initialize says the session is established", async () => {
  let accepted = "first-token-1";
  // The GET stream may be refused too; both refusals belong to the running session.
  const renewals = ["second-token-2", "second-token-2", "second-token-2"];
  const credentials = createRenewingCredentials("first-token-1", renewals);
  await using t = await startSessionPeer({ verifyToken: (token) => token === accepted }, {
    credentials,
  });
  await handshake(t.session);
  accepted = "second-token-2";
  await t.session.send(callTool(5, "echo", { message: "after" }));
  assert.ok(credentials.refusals.length >= 1);
  assert.ok(credentials.refusals.every((refusal) => refusal.sessionEstablished === true));
  assert.equal(t.inbox.withId(5).length, 1);
});

Deno.test("session: 403 insufficient_scope steps up while the credentials give new tokens", async () => {
  // The credentials count step-ups (they know the sign-ins); the session asks until they stop.
  const credentials = createRenewingCredentials("t0-token", ["t1-token", "t2-token", "t3-token"]);
  await using t = await startSessionPeer(
    { verifyToken: () => "insufficient_scope", challengeScope: "admin" },
    { credentials },
  );
  await assert.rejects(
    t.session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
    (error: Error) => error.message === "no more tokens",
  );
  assert.equal(credentials.refusals.length, 4);
  assert.equal(credentials.refusals[0].status, 403);
  assert.equal(credentials.refusals[0].challenge?.params.scope, "admin");
});

Deno.test("session: credentials that hand back the refused token end the step-ups", async () => {
  const credentials: CredentialProvider & { refusals: AuthRefusal[] } = {
    refusals: [],
    accessToken: () => Promise.resolve("same-token"),
    handleRefusal(refusal) {
      this.refusals.push(refusal);
      return Promise.resolve("same-token");
    },
  };
  await using t = await startSessionPeer(
    { verifyToken: () => "insufficient_scope", challengeScope: "admin" },
    { credentials },
  );
  await assert.rejects(
    t.session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
    (error: BridgeError) => error.kind === "auth_failed" && error.status === 403,
  );
  assert.equal(credentials.refusals.length, 1);
});

Deno.test("session: a plain 403 is an http_error, not a step-up", async () => {
  const credentials = createRenewingCredentials("t0-token", ["t1-token"]);
  await using t = await startSessionPeer(
    { intercept: () => new Response("no", { status: 403 }) },
    { credentials },
  );
  await assert.rejects(
    t.session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
    (error: BridgeError) => error.kind === "http_error" && error.status === 403,
  );
  assert.equal(credentials.refusals.length, 0);
});

Deno.test("session: an unreachable server is a BridgeError of kind unreachable", async () => {
  const port = stablePort();
  const inbox = new Inbox();
  const session = createStreamableHttpSession({
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    headers: [],
    credentials: createStaticCredentials(),
    onMessage: inbox.handler,
    fetch: globalThis.fetch,
    log: createCapturingLogger().log,
  });
  await assert.rejects(
    session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
    (error: BridgeError) =>
      error instanceof BridgeError && error.kind === "unreachable" &&
      error.message.includes(`127.0.0.1:${port}`),
  );
  await session.close();
});

Deno.test("session: a wrong content type is a protocol error", async () => {
  await using t = await startSessionPeer({
    intercept: () =>
      new Response("<html>hello</html>", { headers: { "content-type": "text/html" } }),
  });
  await assert.rejects(
    t.session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
    (error: BridgeError) => error.kind === "protocol" && error.message.includes("text/html"),
  );
});

Deno.test("session: a malformed JSON body is a protocol error", async () => {
  await using t = await startSessionPeer({
    intercept: () => new Response("{not json", { headers: { "content-type": "application/json" } }),
  });
  await assert.rejects(
    t.session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
    (error: BridgeError) => error.kind === "protocol",
  );
});

Deno.test("session: a media type with parameters is accepted", async () => {
  await using t = await startSessionPeer({
    intercept: (_req, recorded) =>
      new Response(
        JSON.stringify({
          jsonrpc: "2.0",
          id: (recorded.body as { id: number }).id,
          result: { protocolVersion: "2025-06-18", capabilities: {}, serverInfo: { name: "x" } },
        }),
        { headers: { "content-type": "Application/JSON; charset=utf-8" } },
      ),
  });
  await t.session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} });
  assert.equal(t.session.protocolVersion, "2025-06-18");
});

Deno.test("session: a JSON array answer (2025-03-26 batch) is split into messages", async () => {
  await using t = await startSessionPeer({
    intercept: (_req, recorded) => {
      const id = (recorded.body as { id: number }).id;
      return Response.json([
        { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "x" } },
        { jsonrpc: "2.0", id, result: { ok: true } },
      ]);
    },
  });
  await t.session.send({ jsonrpc: "2.0", id: 11, method: "tools/list" });
  assert.equal(t.inbox.messages.length, 2);
  assert.equal(t.inbox.withMethod("notifications/message").length, 1);
  assert.deepEqual(t.inbox.withId(11), [{ jsonrpc: "2.0", id: 11, result: { ok: true } }]);
});

Deno.test("session: a server JSON-RPC error passes through untouched", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await t.session.send({ jsonrpc: "2.0", id: 12, method: "no/such/method" });
  const [response] = t.inbox.withId(12) as Array<{ error: { code: number } }>;
  assert.equal(response.error.code, -32601);
});

Deno.test("session: the initialize answered 405 is a LegacyTransportSignal", async () => {
  await using t = await startSessionPeer({
    intercept: () => new Response("Method Not Allowed", { status: 405 }),
  });
  await assert.rejects(
    t.session.send({ jsonrpc: "2.0", id: 0, method: "initialize", params: {} }),
    (error: unknown) => error instanceof LegacyTransportSignal && error.status === 405,
  );
});

Deno.test("session: an aborted send rejects with the signal's reason", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  const reason = new DOMException("too slow", "TimeoutError");
  const controller = new AbortController();
  const sending = t.session.send(callTool(13, "slow", { ms: 2_000 }), {
    signal: controller.signal,
  });
  await waitUntil(
    () => t.server.requestsFor("tools/call").some((r) => (r.body as { id?: unknown }).id === 13),
    "the call at the server",
  );
  controller.abort(reason);
  await assert.rejects(sending, (error: unknown) => error === reason);
  assert.equal(t.inbox.withId(13).length, 0);
});

Deno.test("session: big results arrive whole", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await t.session.send(callTool(14, "big", { bytes: 300_000 }));
  assert.equal(resultText(t.inbox.withId(14)[0])?.length, 300_000);
});

Deno.test("session: concurrent requests are not serialized behind a slow one", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  // `gather` with count 2 answers only once a second call of it is in flight: the first stays
  // open until the test sends that second call, however slow the machine.
  const slow = t.session.send(callTool(20, "gather", { count: 2 }));
  await t.session.send(callTool(21, "echo", { message: "fast" }));
  assert.equal(t.inbox.withId(20).length, 0);
  await t.session.send(callTool(22, "gather", { count: 2 }));
  await slow;
  assert.equal(t.inbox.withId(20).length, 1);
});
