import assert from "node:assert/strict";
import type { BridgeError } from "../../lib/errors.ts";
import type { TransportChoice } from "../../lib/config/settings.ts";
import { createTransport } from "../../lib/transport/connect.ts";
import { startLegacyServer } from "../fixtures/legacy_server.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import {
  callTool,
  createRenewingCredentials,
  createTestTransportOptions,
  handshake,
  resultText,
} from "./harness.ts";
import type { CredentialProvider } from "../../lib/transport/types.ts";

function connect(url: URL, choice: TransportChoice, credentials?: CredentialProvider) {
  const { options, ...rest } = createTestTransportOptions(url, credentials);
  return { ...rest, transport: createTransport({ ...options, choice }) };
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
