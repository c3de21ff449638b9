import assert from "node:assert/strict";
import { BridgeError, formatErrorObject } from "../../lib/errors.ts";
import { createLegacySseTransport, resolveLegacyEndpoint } from "../../lib/transport/legacy_sse.ts";
import type { CredentialProvider } from "../../lib/transport/types.ts";
import { startLegacyServer } from "../fixtures/legacy_server.ts";
import { waitUntil } from "../support/wait.ts";
import {
  callTool,
  createRenewingCredentials,
  createTestTransportOptions,
  handshake,
  resultText,
} from "./harness.ts";

function connect(url: URL, credentials?: CredentialProvider) {
  const { options, ...rest } = createTestTransportOptions(url, credentials);
  return { ...rest, transport: createLegacySseTransport(options) };
}

Deno.test("legacy: an endpoint on another origin is refused", async () => {
  await using server = await startLegacyServer({
    endpoint: (id) => `http://127.0.0.2:1/messages?sessionId=${id}`,
  });
  const { transport } = connect(server.url);
  try {
    await assert.rejects(
      handshake(transport, "2024-11-05"),
      (error: BridgeError) => error.kind === "protocol" && /another origin/.test(error.message),
    );
  } finally {
    await transport.close();
  }
});

Deno.test("legacy: a closed stream fails requests still waiting with stream_lost", async () => {
  const server = await startLegacyServer();
  const { transport } = connect(server.url);
  try {
    await handshake(transport, "2024-11-05");
    const waiting = transport.send(callTool(5, "slow", { ms: 5_000 }));
    await waitUntil(
      () => server.requests.some((r) => (r.body as { id?: unknown } | undefined)?.id === 5),
      "the call at the server",
    );
    await server.close();
    await assert.rejects(waiting, (error: BridgeError) => error.kind === "stream_lost");
  } finally {
    await transport.close();
    await server.close();
  }
});

Deno.test("legacy: 401 on the stream asks the credentials and retries", async () => {
  await using server = await startLegacyServer({ verifyToken: (t) => t === "fresh-token-2" });
  const credentials = createRenewingCredentials("stale-token-1", ["fresh-token-2"]);
  const { inbox, transport } = connect(server.url, credentials);
  try {
    await handshake(transport, "2024-11-05");
    assert.equal(inbox.withId(0).length, 1);
    assert.equal(credentials.refusals.length, 1);
    assert.equal(credentials.refusals[0].rejectedToken, "stale-token-1");
  } finally {
    await transport.close();
  }
});

Deno.test("legacy: endpoint resolution keeps the origin and resolves relative paths", () => {
  const base = new URL("https://example.com/api/sse");
  assert.equal(
    resolveLegacyEndpoint("/messages?s=1", base).href,
    "https://example.com/messages?s=1",
  );
  assert.equal(resolveLegacyEndpoint("msg", base).href, "https://example.com/api/msg");
  assert.throws(() => resolveLegacyEndpoint("https://evil.example/x", base), BridgeError);
  assert.throws(() => resolveLegacyEndpoint("http://example.com/x", base), BridgeError);
});

Deno.test("legacy: an ended stream is reopened and the session re-created", async () => {
  await using server = await startLegacyServer();
  const { inbox, transport, waitForLine } = connect(server.url);
  try {
    await handshake(transport, "2024-11-05");
    server.dropStreams();
    await waitForLine(/stream reopened and session re-created/);
    await transport.send(callTool(7, "echo", { message: "after the drop" }));
    assert.equal(resultText(inbox.withId(7)[0]), "after the drop");
    assert.equal(inbox.withId(0).length, 1, "the bridge's own initialize is not passed on");
  } finally {
    await transport.close();
  }
  const gets = server.requests.filter((r) => r.method === "GET");
  assert.equal(gets.length, 2);
  const initializes = server.requests.filter((r) =>
    (r.body as { method?: string } | undefined)?.method === "initialize"
  );
  assert.equal(initializes.length, 2);
});

Deno.test(
  "legacy: a refused POST answers with the server's JSON-RPC error, else fails naming the status and endpoint",
  async () => {
    await using server = await startLegacyServer({
      intercept(recorded) {
        const name = (recorded.body as { params?: { name?: string } }).params?.name;
        if (name === "refused_json") {
          return Response.json({
            jsonrpc: "2.0",
            id: null,
            error: { code: -32602, message: "Unknown tool: refused_json", data: { tool: name } },
          }, { status: 400 });
        }
        if (name === "refused_plain") return new Response("busy", { status: 503 });
        return undefined;
      },
    });
    const { inbox, transport } = connect(server.url);
    try {
      await handshake(transport, "2024-11-05");
      await transport.send(callTool(5, "refused_json"));
      assert.deepEqual(inbox.withId(5), [{
        jsonrpc: "2.0",
        id: 5,
        error: {
          code: -32602,
          message: "Unknown tool: refused_json",
          data: { tool: "refused_json" },
        },
      }]);
      await assert.rejects(transport.send(callTool(6, "refused_plain")), (error: BridgeError) => {
        const { code, message, data } = formatErrorObject(error);
        assert.equal(code, -31002);
        assert.equal(message, "Server refused tools/call (id 6): HTTP 503");
        assert.equal(data.kind, "http_error");
        assert.equal(data.status, 503);
        // The endpoint without its query (the session id).
        assert.equal(data.endpoint, new URL("/messages", server.url).href);
        return true;
      });
      assert.equal(inbox.withId(6).length, 0);
      // The session carries on.
      await transport.send(callTool(7, "echo", { message: "still here" }));
      assert.equal(resultText(inbox.withId(7)[0]), "still here");
    } finally {
      await transport.close();
    }
  },
);

for (const unknownSession of [404, 400] as const) {
  Deno.test(
    `legacy: a session forgotten while its stream stays open (${unknownSession}) is re-created, and the call sent again`,
    async () => {
      await using server = await startLegacyServer({ unknownSession });
      const { inbox, transport, lines } = connect(server.url);
      try {
        await handshake(transport, "2024-11-05");
        await transport.send(callTool(1, "echo", { message: "before" }));
        assert.equal(resultText(inbox.withId(1)[0]), "before");

        server.forgetSessions();
        await transport.send(callTool(2, "echo", { message: "after" }));
        assert.deepEqual(inbox.withId(2).map(resultText), ["after"]);
        assert.equal(inbox.withId(0).length, 1, "the bridge's own initialize is not passed on");
        await waitUntil(() => server.openStreams === 1, "the forgotten stream closed");
      } finally {
        await transport.close();
      }
      const posts = (id: unknown) =>
        server.requests.filter((r) => (r.body as { id?: unknown } | undefined)?.id === id);
      assert.equal(posts(2).length, 2, "refused once, then sent on the new session");
      const methods = server.requests.map((r) =>
        r.method === "GET" ? "GET" : (r.body as { method?: string }).method
      );
      assert.deepEqual(methods.slice(-5), [
        "tools/call",
        "GET",
        "initialize",
        "notifications/initialized",
        "tools/call",
      ]);
      assert.ok(lines.some((line) => /Server forgot the HTTP\+SSE session/.test(line)));
    },
  );
}

Deno.test("legacy: a call waiting on a forgotten session fails with session_lost, not a hang", async () => {
  await using server = await startLegacyServer();
  const { inbox, transport } = connect(server.url);
  try {
    await handshake(transport, "2024-11-05");
    const waiting = transport.send(callTool(5, "slow", { ms: 60_000 }));
    waiting.catch(() => {}); // asserted below, after the next call
    await waitUntil(
      () => server.requests.some((r) => (r.body as { id?: unknown } | undefined)?.id === 5),
      "the slow call at the server",
    );
    server.forgetSessions();
    await transport.send(callTool(6, "echo", { message: "next" }));
    await assert.rejects(waiting, (error: BridgeError) => {
      assert.equal(error.kind, "session_lost");
      assert.match(error.message, /forgot the HTTP\+SSE session while the request was waiting/);
      assert.equal(error.status, 404);
      return true;
    });
    assert.equal(resultText(inbox.withId(6)[0]), "next");
    assert.equal(inbox.withId(5).length, 0);
  } finally {
    await transport.close();
  }
});

Deno.test("legacy: a call refused as an unknown session twice fails with session_lost", async () => {
  let refuse = false;
  await using server = await startLegacyServer({
    intercept: (recorded) =>
      refuse && (recorded.body as { method?: string }).method === "tools/call"
        ? new Response("Unknown session", { status: 404 })
        : undefined,
  });
  const { inbox, transport } = connect(server.url);
  try {
    await handshake(transport, "2024-11-05");
    refuse = true;
    await assert.rejects(
      transport.send(callTool(3, "echo", { message: "never" })),
      (error: BridgeError) => {
        const { data } = formatErrorObject(error);
        assert.equal(data.kind, "session_lost");
        assert.equal(data.status, 404);
        return true;
      },
    );
    assert.equal(inbox.withId(3).length, 0);
    const calls = server.requests.filter((r) => (r.body as { id?: unknown } | undefined)?.id === 3);
    assert.equal(calls.length, 2, "sent once more, not in a loop");
  } finally {
    await transport.close();
  }
});

Deno.test("legacy: a 404 carrying the server's own JSON-RPC error is that answer, not a lost session", async () => {
  await using server = await startLegacyServer({
    intercept: (recorded) =>
      (recorded.body as { method?: string }).method === "tools/call"
        ? Response.json({
          jsonrpc: "2.0",
          id: 4,
          error: { code: -32601, message: "No such tool here" },
        }, { status: 404 })
        : undefined,
  });
  const { inbox, transport } = connect(server.url);
  try {
    await handshake(transport, "2024-11-05");
    await transport.send(callTool(4, "echo", { message: "x" }));
    assert.deepEqual(inbox.withId(4), [{
      jsonrpc: "2.0",
      id: 4,
      error: { code: -32601, message: "No such tool here" },
    }]);
  } finally {
    await transport.close();
  }
  assert.equal(server.requests.filter((r) => r.method === "GET").length, 1, "no reconnection");
});

Deno.test("legacy: calls refused together as a forgotten session share one re-creation", async () => {
  await using server = await startLegacyServer();
  const { inbox, transport } = connect(server.url);
  try {
    await handshake(transport, "2024-11-05");
    server.forgetSessions();
    const ids = [11, 12, 13, 14, 15];
    await Promise.all(ids.map((id) => transport.send(callTool(id, "echo", { message: `m${id}` }))));
    for (const id of ids) assert.deepEqual(inbox.withId(id).map(resultText), [`m${id}`]);
  } finally {
    await transport.close();
  }
  const initializes = server.requests.filter((r) =>
    (r.body as { method?: string } | undefined)?.method === "initialize"
  );
  assert.equal(initializes.length, 2, "one re-initialization");
  assert.equal(server.requests.filter((r) => r.method === "GET").length, 2, "one new stream");
});
