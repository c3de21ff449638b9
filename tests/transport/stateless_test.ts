/**
 * The 2026-07-28 transport against the SDK v2 server (2026-only and dual-era) on 127.0.0.1:
 * headers derived from each body, `x-mcp-header` mirroring, in-band errors, progress, listen,
 * cancellation, and nothing of the 2025 session on the wire.
 */
import assert from "node:assert/strict";
import type { JsonRpcMessage, JsonRpcRequest } from "../../lib/jsonrpc/message.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import { createStatelessTransport } from "../../lib/transport/stateless.ts";
import { type DualEraServer, startDualEraServer } from "../fixtures/dual_era_server.ts";
import { createTestTransportOptions, resultText } from "./harness.ts";

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": {
    name: "stateless-test",
    version: "1.0.0",
  },
};

function request(
  id: string | number,
  method: string,
  params: Record<string, unknown> = {},
  meta: Record<string, unknown> = {},
): JsonRpcRequest {
  return {
    jsonrpc: "2.0",
    id,
    method,
    params: { ...params, _meta: { ...META, ...meta } },
  };
}

async function setup(eras: "modern" | "dual" = "modern") {
  const server: DualEraServer = await startDualEraServer({ eras });
  const { inbox, lines, options } = createTestTransportOptions(
    server.url,
    createStaticCredentials("static-token-123"),
  );
  const transport = createStatelessTransport({ ...options, headers: [["X-Test", "yes"]] });
  return {
    server,
    inbox,
    lines,
    transport,
    async [Symbol.asyncDispose]() {
      await transport.close();
      await server.close();
    },
  };
}

function errorOf(message: JsonRpcMessage | undefined) {
  return message && "error" in message ? message.error : undefined;
}

for (const eras of ["modern", "dual"] as const) {
  Deno.test(`stateless (${eras}): headers come from each body; no session, GET or DELETE`, async () => {
    await using t = await setup(eras);
    await t.transport.send(request(1, "server/discover"));
    await t.transport.send(
      request(2, "tools/call", { name: "echo", arguments: { message: "hi" } }),
    );
    assert.equal(resultText(t.inbox.withId(2)[0]), "hi");
    const call = t.server.requestsFor("tools/call")[0];
    assert.equal(call.headers["mcp-protocol-version"], "2026-07-28");
    assert.equal(call.headers["mcp-method"], "tools/call");
    assert.equal(call.headers["mcp-name"], "echo");
    assert.equal(call.headers["authorization"], "Bearer static-token-123");
    assert.equal(call.headers["x-test"], "yes");
    await t.transport.close();
    for (const recorded of t.server.requests) {
      assert.equal(recorded.method, "POST");
      assert.equal(recorded.headers["mcp-session-id"], undefined);
      assert.equal(recorded.headers["last-event-id"], undefined);
    }
  });
}

Deno.test("stateless: x-mcp-header arguments are mirrored, learning the tool list when needed", async () => {
  await using t = await setup();
  // No tools/list first: the transport lists the tools itself (with the call's _meta).
  await t.transport.send(
    request(1, "tools/call", {
      name: "region_echo",
      arguments: { region: "eu-west", message: "x" },
    }),
  );
  assert.equal(resultText(t.inbox.withId(1)[0]), "eu-west: x");
  const lists = t.server.requestsFor("tools/list");
  assert.equal(lists.length, 1);
  assert.equal(lists[0].headers["mcp-protocol-version"], "2026-07-28");
  assert.equal(
    t.inbox.withMethod("tools/list").length,
    0,
    "the bridge's own list is not relayed",
  );
  const call = t.server.requestsFor("tools/call")[0];
  assert.equal(call.headers["mcp-param-region"], "eu-west");
  // Known now: a second call does not list again, and a non-ASCII value is Base64-encoded.
  await t.transport.send(
    request(2, "tools/call", {
      name: "region_echo",
      arguments: { region: "Zürich", message: "y" },
    }),
  );
  assert.equal(resultText(t.inbox.withId(2)[0]), "Zürich: y");
  assert.equal(t.server.requestsFor("tools/list").length, 1);
  const second = t.server.requestsFor("tools/call")[1];
  assert.equal(
    second.headers["mcp-param-region"],
    `=?base64?${btoa("Z\xc3\xbcrich")}?=`,
  );
});

Deno.test("stateless: the server's in-band errors reach the client unchanged", async () => {
  await using t = await setup();
  await t.transport.send(request(1, "tools/list", {}, {
    "io.modelcontextprotocol/protocolVersion": "2099-01-01",
  }));
  const unsupported = errorOf(t.inbox.withId(1)[0]);
  assert.equal(unsupported?.code, -32022);
  assert.ok(
    JSON.stringify(unsupported?.data).includes("2026-07-28"),
    JSON.stringify(unsupported),
  );
  await t.transport.send(request(2, "no/such_method"));
  assert.equal(errorOf(t.inbox.withId(2)[0])?.code, -32601);
  assert.equal(
    t.server.requestsFor("no/such_method").length,
    1,
    "404 is not a lost session",
  );
});

Deno.test("stateless: progress arrives before the result, as it happens", async () => {
  await using t = await setup();
  await t.transport.send(
    request(7, "tools/call", { name: "progress", arguments: { steps: 3 } }, {
      progressToken: "p",
    }),
  );
  const kinds = t.inbox.messages.map((m) => "method" in m ? m.method : `response ${m.id}`);
  assert.deepEqual(kinds, [
    "notifications/progress",
    "notifications/progress",
    "notifications/progress",
    "response 7",
  ]);
});

Deno.test("stateless: cancelling a request closes its stream and posts nothing more", async () => {
  await using t = await setup();
  const controller = new AbortController();
  const sent = t.transport.send(
    request(1, "tools/call", { name: "slow", arguments: { ms: 60_000 } }),
    { signal: controller.signal },
  );
  await t.server.waitForRequest("tools/call");
  controller.abort(new DOMException("Cancelled by the client", "AbortError"));
  await assert.rejects(
    sent,
    (error: unknown) => (error as Error).name === "AbortError",
  );
  await t.transport.send({
    jsonrpc: "2.0",
    method: "notifications/cancelled",
    params: { requestId: 1 },
  });
  assert.equal(t.server.requestsFor("notifications/cancelled").length, 0);
  assert.equal(t.inbox.withId(1).length, 0);
});

Deno.test("stateless: subscriptions/listen is a long-lived stream tagged with the client's id", async () => {
  await using t = await setup();
  const controller = new AbortController();
  const listening = t.transport.send(
    request("listen-1", "subscriptions/listen", {
      notifications: { toolsListChanged: true },
    }),
    { signal: controller.signal },
  );
  listening.catch(() => {});
  await t.inbox.waitFor((m) =>
    "method" in m && m.method === "notifications/subscriptions/acknowledged"
  );
  await t.transport.send(
    request(2, "tools/call", { name: "touch_tools", arguments: {} }),
  );
  const changed = await t.inbox.waitFor((m) =>
    "method" in m && m.method === "notifications/tools/list_changed"
  );
  const meta = (changed as { params?: { _meta?: Record<string, unknown> } })
    .params?._meta;
  assert.equal(meta?.["io.modelcontextprotocol/subscriptionId"], "listen-1");
  controller.abort();
  await assert.rejects(listening);
});
