import assert from "node:assert/strict";
import { startSessionPeer } from "./session_peer.ts";
import { callTool, handshake, resultText } from "./harness.ts";
import { waitUntil } from "../support/wait.ts";

Deno.test("server stream: a 405 GET stream is not an error and is not retried", async () => {
  await using t = await startSessionPeer({ getStream: false });
  await handshake(t.session);
  await waitUntil(() => t.session.getStreamUnsupported, "the refused GET");
  await t.session.send(callTool(1, "echo", { message: "still works" }));
  assert.equal(resultText(t.inbox.withId(1)[0]), "still works");
  assert.equal(t.server.requests.filter((r) => r.method === "GET").length, 1);
  assert.ok(t.session.getStreamUnsupported);
});

Deno.test("server stream: the GET stream relays list_changed and a server ping, whose answer is POSTed", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await waitUntil(() => t.server.openGetStreams > 0, "the GET stream");
  t.inbox.onRequest = (request) => {
    if (request.method === "ping") {
      t.session.send({ jsonrpc: "2.0", id: request.id, result: {} });
    }
  };
  await t.session.send(callTool(1, "notify_changed"));
  await t.inbox.waitFor((m) => "method" in m && m.method === "notifications/tools/list_changed");
  await t.session.send(callTool(2, "ping_client"));
  assert.equal(resultText(t.inbox.withId(2)[0]), "pong");
  assert.equal(t.inbox.withMethod("ping").length, 1);
});

Deno.test("server stream: the GET stream reconnects with Last-Event-ID after it drops", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await waitUntil(() => t.server.openGetStreams > 0, "the GET stream");
  await t.session.send(callTool(1, "log", { message: "first" }));
  await t.inbox.waitFor((m) => "method" in m && m.method === "notifications/message");
  await t.session.send(callTool(2, "drop_get"));
  await waitUntil(
    () =>
      t.server.requests.filter((r) => r.method === "GET").length >= 2 &&
      t.server.openGetStreams > 0,
    "the GET stream reopened",
  );
  await t.session.send(callTool(3, "log", { message: "second" }));
  await t.inbox.waitFor((m) =>
    "method" in m && m.method === "notifications/message" &&
    (m.params as { data?: string })?.data === "second"
  );
  const gets = t.server.requests.filter((r) => r.method === "GET");
  assert.ok(gets.length >= 2);
  assert.ok(
    gets[1].headers["last-event-id"],
    "the reconnect carries Last-Event-ID",
  );
  assert.equal(
    t.inbox.withMethod("notifications/message").length,
    2,
    "no duplicates",
  );
});

Deno.test("server stream: a forgotten session with closed streams re-initializes from the GET stream", async () => {
  await using t = await startSessionPeer();
  await handshake(t.session);
  await waitUntil(() => t.server.openGetStreams > 0, "the GET stream");
  t.server.forgetSessions({ closeStreams: true });
  // Complete once the bridge has sent its second notifications/initialized.
  await waitUntil(
    () => t.server.requestsFor("notifications/initialized").length >= 2,
    "the re-initialization",
  );
  assert.equal(t.server.requestsFor("initialize").length, 2);
  await t.session.send(callTool(1, "echo", { message: "ok" }));
  assert.equal(resultText(t.inbox.withId(1)[0]), "ok");
  assert.equal(
    t.server.requestsFor("initialize").length,
    2,
    "no third initialize",
  );
});
