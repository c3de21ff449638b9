import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import type { TransportChoice } from "../../lib/config/settings.ts";
import { createTransport } from "../../lib/transport/connect.ts";
import { waitUntil } from "../support/wait.ts";
import { resolveLegacyEndpoint } from "../../lib/transport/legacy_sse.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import { startLegacyServer } from "../fixtures/legacy_server.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import {
  callTool,
  createCapturingLogger,
  createRenewingCredentials,
  handshake,
  Inbox,
  resultText,
} from "./harness.ts";
import type { CredentialProvider } from "../../lib/transport/types.ts";

function connect(url: URL, choice: TransportChoice, credentials?: CredentialProvider) {
  const inbox = new Inbox();
  const { log, lines, waitForLine } = createCapturingLogger();
  const transport = createTransport({
    url,
    headers: [],
    credentials: credentials ?? createStaticCredentials("legacy-token-1"),
    onMessage: inbox.handler,
    fetch: globalThis.fetch,
    log,
    choice,
    reconnectDelayMs: 20,
  });
  return { inbox, lines, transport, waitForLine };
}

Deno.test("connect: auto mode falls back to HTTP+SSE when initialize gets 405", async () => {
  await using server = await startLegacyServer();
  const { inbox, transport } = connect(server.url, "auto");
  try {
    assert.equal(transport.kind, "streamable-http");
    assert.equal(transport.settled, false);
    await handshake(transport, "2024-11-05");
    assert.equal(transport.kind, "sse");
    assert.equal(transport.settled, true);
    assert.equal(transport.protocolVersion, "2024-11-05");
    assert.equal(inbox.withId(0).length, 1, "exactly one initialize result");
    await transport.send(callTool(1, "echo", { message: "old but gold" }));
    assert.equal(resultText(inbox.withId(1)[0]), "old but gold");
  } finally {
    await transport.close();
  }
  const [post, get, ...messages] = server.requests;
  assert.equal(post.method, "POST");
  assert.equal(post.path, "/mcp");
  assert.equal(get.method, "GET");
  assert.equal(get.headers["accept"], "text/event-stream");
  assert.equal(get.headers["authorization"], "Bearer legacy-token-1");
  for (const m of messages) {
    assert.equal(m.path, "/messages");
    assert.equal(m.headers["authorization"], "Bearer legacy-token-1");
    assert.equal(m.headers["mcp-session-id"], undefined);
  }
});

Deno.test("connect: --transport sse talks HTTP+SSE without trying a POST first", async () => {
  await using server = await startLegacyServer();
  const { inbox, transport } = connect(server.url, "sse");
  try {
    assert.equal(transport.kind, "sse");
    await handshake(transport, "2024-11-05");
    await transport.send(callTool("p", "progress", { steps: 2 }, "tok"));
    assert.equal(resultText(inbox.withId("p")[0]), "done 2");
    assert.equal(inbox.withMethod("notifications/progress").length, 2);
  } finally {
    await transport.close();
  }
  assert.equal(server.requests[0].method, "GET");
});

Deno.test("connect: auto mode stays on Streamable HTTP for a modern server", async () => {
  await using server = await startMcpServer();
  const { inbox, transport } = connect(server.url, "auto");
  try {
    await handshake(transport);
    assert.equal(transport.kind, "streamable-http");
    assert.equal(transport.settled, true);
    await transport.send(callTool(1, "echo", { message: "modern" }));
    assert.equal(resultText(inbox.withId(1)[0]), "modern");
  } finally {
    await transport.close();
  }
});

Deno.test("connect: 401 on initialize in auto mode is an auth signal, not a fallback", async () => {
  await using server = await startMcpServer({ verifyToken: () => false });
  const credentials = createRenewingCredentials("expired-1", []);
  const { transport } = connect(server.url, "auto", credentials);
  try {
    await assert.rejects(
      handshake(transport),
      (error: Error) => error.message === "no more tokens",
    );
    assert.equal(transport.kind, "streamable-http");
    assert.equal(credentials.refusals.length, 1);
  } finally {
    await transport.close();
  }
  assert.ok(server.requests.every((r) => r.method === "POST"));
});

Deno.test("connect: streamable-http choice does not fall back", async () => {
  await using server = await startLegacyServer();
  const { transport } = connect(server.url, "streamable-http");
  try {
    await assert.rejects(
      handshake(transport),
      (error: BridgeError) => error.kind === "http_error" && error.status === 405,
    );
  } finally {
    await transport.close();
  }
  assert.equal(server.requests.length, 1);
});

Deno.test("legacy: an endpoint on another origin is refused", async () => {
  await using server = await startLegacyServer({
    endpoint: (id) => `http://127.0.0.2:1/messages?sessionId=${id}`,
  });
  const { transport } = connect(server.url, "sse");
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
  const { transport } = connect(server.url, "sse");
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
  const { inbox, transport } = connect(server.url, "sse", credentials);
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
  const { inbox, transport, waitForLine } = connect(server.url, "sse");
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
