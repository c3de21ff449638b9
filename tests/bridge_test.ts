/**
 * End-to-end tests of proxy mode: the real main.ts (compile permission set) between a stdio
 * client and the SDK-based fixture server on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { readLines } from "../lib/bridge.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { type RecordedRequest, startMcpServer } from "./fixtures/mcp_server.ts";
import { startLegacyServer } from "./fixtures/legacy_server.ts";
import { baseEnv, mainArgs } from "./support/main_process.ts";
import { initialize, initializeRequest, startBridge } from "./support/bridge_process.ts";
import { waitUntil } from "./support/wait.ts";
import { stablePort } from "./support/ports.ts";

type Body = { method?: string; params?: Record<string, unknown> };
const bodyOf = (request: RecordedRequest) => (request.body ?? {}) as Body;

function sdkClient(url: URL, extraEnv: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: mainArgs([]),
    env: baseEnv({ MCP_SERVER_URL: url.href, ...extraEnv }),
    stderr: "pipe",
  });
  const client = new Client(
    { name: "sdk-client-through-bridge", version: "1.0.0" },
    { capabilities: { sampling: {}, elicitation: { form: {} } } },
  );
  return { client, transport };
}

Deno.test({
  name: "the SDK's own Client works through the bridge: tools, progress, sampling, elicitation",
  // StdioClientTransport.close() races the exit against a 2 s timer it never clears (unref'd).
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  await using server = await startMcpServer();
  const { client, transport } = sdkClient(server.url);
  client.setRequestHandler(
    CreateMessageRequestSchema,
    (request: { params: { messages: { content: unknown }[] } }) => ({
      model: "test-model",
      role: "assistant",
      content: {
        type: "text",
        text: `sampled: ${(request.params.messages[0].content as { text: string }).text}`,
      },
    }),
  );
  client.setRequestHandler(ElicitRequestSchema, () => ({
    action: "accept",
    content: { name: "Ada" },
  }));
  await client.connect(transport);
  try {
    const tools = await client.listTools();
    assert.ok(tools.tools.some((tool: { name: string }) => tool.name === "echo"));

    const echo = await client.callTool({ name: "echo", arguments: { message: "hello" } });
    assert.match(JSON.stringify(echo.content), /hello/);

    const progress: number[] = [];
    const withProgress = await client.callTool(
      { name: "progress", arguments: { steps: 3 } },
      undefined,
      { onprogress: (p: { progress: number }) => progress.push(p.progress) },
    );
    assert.equal(progress.length, 3, "every progress notification reached the client");
    assert.ok(!withProgress.isError);

    const sampled = await client.callTool({ name: "sample", arguments: { prompt: "ping" } });
    assert.match(JSON.stringify(sampled.content), /sampled: ping/);

    const elicited = await client.callTool({ name: "elicit", arguments: { message: "name?" } });
    assert.match(JSON.stringify(elicited.content), /Ada/);
  } finally {
    await client.close();
  }
});

Deno.test("100 requests in flight are relayed concurrently and each gets its answer", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  // `gather` answers only when all 100 calls are in flight at the server together.
  for (let i = 0; i < 100; i++) {
    await bridge.send({
      jsonrpc: "2.0",
      id: i,
      method: "tools/call",
      params: { name: "gather", arguments: { count: 100 } },
    });
  }
  const answers = await Promise.all(
    Array.from({ length: 100 }, (_, i) => bridge.response(i, 60_000)),
  );
  assert.ok(answers.every((a) => "result" in a), "all 100 succeeded");
  assert.ok(answers.every((a) => JSON.stringify(a.result).includes("gathered 100")));
  const { code } = await bridge.end();
  assert.equal(code, 0);
});

Deno.test("malformed stdin lines get -32700/-32600 and the loop goes on", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await bridge.send("this is not json");
  const parseError = await bridge.waitFor((m) => (m.error as { code?: number })?.code === -32700);
  assert.equal(parseError.id, null);
  await bridge.send({ jsonrpc: "2.0", id: 5 });
  const invalid = await bridge.response(5);
  assert.equal((invalid.error as { code: number }).code, -32600);
  const init = await initialize(bridge);
  assert.ok("result" in init, "the bridge kept working after bad input");
  assert.equal((await bridge.end()).code, 0);
});

Deno.test("stdout carries only JSON-RPC even at DEBUG log level; logs go to stderr", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge(["--log-level", "DEBUG"], {
    env: { MCP_SERVER_URL: server.url.href },
  });
  await initialize(bridge);
  await bridge.send({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "progress", arguments: { steps: 2 }, _meta: { progressToken: "p" } },
  });
  await bridge.response(1);
  const { code, stderr } = await bridge.end();
  assert.equal(code, 0);
  for (const line of bridge.lines) {
    const message = JSON.parse(line);
    assert.equal(message.jsonrpc, "2.0", line);
  }
  assert.match(stderr, /DEBUG/);
});

Deno.test("a request that outlives --timeout gets a timeout error and is cancelled upstream", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge(["--timeout", "0.5"], {
    env: { MCP_SERVER_URL: server.url.href },
  });
  await initialize(bridge);
  await bridge.send({
    jsonrpc: "2.0",
    id: "slow-1",
    method: "tools/call",
    params: { name: "slow", arguments: { ms: 5_000 } },
  });
  const answer = await bridge.response("slow-1");
  const error = answer.error as { code: number; data: Record<string, unknown> };
  assert.equal(error.code, -31004);
  assert.equal(error.data.source, "mcp-streamablehttp-client");
  assert.equal(error.data.kind, "timeout");
  await waitUntil(
    () =>
      server.requests.some((r) =>
        bodyOf(r).method === "notifications/cancelled" && bodyOf(r).params?.requestId === "slow-1"
      ),
    "the cancellation at the server",
  );
  assert.ok(
    server.requests.some((r) => bodyOf(r).method === "notifications/cancelled"),
    "the server was told the request is cancelled",
  );
  assert.equal((await bridge.end()).code, 0);
  assert.equal(bridge.messages.filter((m) => m.id === "slow-1").length, 1, "exactly one answer");
});

Deno.test("an unreachable server gives every request an error with source, kind and hint", async () => {
  const port = stablePort();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: `http://127.0.0.1:${port}/mcp` } });
  await bridge.send(initializeRequest(1));
  const answer = await bridge.response(1);
  const error = answer.error as { code: number; message: string; data: Record<string, unknown> };
  assert.equal(error.code, -31001);
  assert.equal(error.data.kind, "unreachable");
  assert.equal(error.data.source, "mcp-streamablehttp-client");
  assert.equal(typeof error.data.hint, "string");
  assert.equal((await bridge.end()).code, 0);
});

Deno.test("stdin EOF ends the session with DELETE and exit code 0", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  const { code } = await bridge.end();
  assert.equal(code, 0);
  const deletes = server.requests.filter((r) => r.method === "DELETE");
  assert.equal(deletes.length, 1);
  assert.ok(deletes[0].headers["mcp-session-id"], "DELETE names the session");
});

Deno.test("SIGTERM ends the session with DELETE and exit code 0", {
  ignore: Deno.build.os === "windows",
}, async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  const { code } = await bridge.signal("SIGTERM");
  assert.equal(code, 0);
  assert.equal(server.requests.filter((r) => r.method === "DELETE").length, 1);
});

Deno.test("a forgotten session is re-initialized transparently and the request retried", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  server.forgetSessions();
  await bridge.send({
    jsonrpc: "2.0",
    id: 9,
    method: "tools/call",
    params: { name: "echo", arguments: { message: "again" } },
  });
  const answer = await bridge.response(9);
  assert.match(JSON.stringify(answer.result), /again/);
  const initResults = bridge.messages.filter((m) =>
    (m.result as Record<string, unknown> | undefined)?.protocolVersion !== undefined
  );
  assert.equal(initResults.length, 1, "the second InitializeResult is not written to stdout");
  assert.equal((await bridge.end()).code, 0);
});

Deno.test("the static token and configured headers reach the server on every request", async () => {
  await using server = await startMcpServer({
    verifyToken: (token: string | undefined) => token === "static-token-123",
  });
  await using bridge = startBridge(["--header", "X-Team: ${TEAM}"], {
    env: {
      MCP_SERVER_URL: server.url.href,
      MCP_CLIENT_ACCESS_TOKEN: "Bearer static-token-123",
      MCP_CLIENT_HEADERS: "X-Trace: on",
      TEAM: "blue",
    },
  });
  await initialize(bridge);
  await bridge.send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
  assert.ok("result" in await bridge.response(2));
  const { stderr } = await bridge.end();
  const posts = server.requests.filter((r) => r.method === "POST");
  assert.ok(posts.length >= 3);
  for (const request of posts) {
    assert.equal(request.headers["authorization"], "Bearer static-token-123");
    assert.equal(request.headers["x-team"], "blue");
    assert.equal(request.headers["x-trace"], "on");
  }
  assert.ok(!stderr.includes("static-token-123"), "the token never reaches a log");
});

Deno.test("the server's own JSON-RPC errors pass through unchanged", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  await bridge.send({ jsonrpc: "2.0", id: 3, method: "no/such/method" });
  const answer = await bridge.response(3);
  const error = answer.error as { code: number; data?: Record<string, unknown> };
  assert.equal(error.code, -32601);
  assert.notEqual(error.data?.source, "mcp-streamablehttp-client");
  assert.equal((await bridge.end()).code, 0);
});

Deno.test("a reused in-flight id is refused without disturbing the first request", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  const call = {
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: "slow", arguments: { ms: 500 } },
  };
  await bridge.send(call);
  await bridge.send(call);
  const refused = await bridge.waitFor((m) => m.id === 7 && "error" in m);
  assert.equal((refused.error as { code: number }).code, -32600);
  const answered = await bridge.waitFor((m) => m.id === 7 && "result" in m);
  assert.ok(answered.result);
  assert.equal((await bridge.end()).code, 0);
});

Deno.test("a dropped response stream is resumed and its result relayed exactly once", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  await bridge.send({
    jsonrpc: "2.0",
    id: "d1",
    method: "tools/call",
    params: { name: "drop", arguments: {}, _meta: { progressToken: "dp" } },
  });
  const answer = await bridge.response("d1");
  assert.match(JSON.stringify(answer.result), /survived the drop/);
  assert.ok(
    server.requests.some((r) => r.method === "GET" && r.headers["last-event-id"]),
    "the bridge resumed with Last-Event-ID",
  );
  assert.equal((await bridge.end()).code, 0);
  assert.equal(bridge.messages.filter((m) => m.id === "d1").length, 1);
  assert.equal(
    bridge.messages.filter((m) => m.method === "notifications/progress").length,
    1,
    "the progress event before the drop was not relayed twice",
  );
});

Deno.test("server-initiated messages on the GET stream reach the client, and its answers go back", async () => {
  await using server = await startMcpServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  await initialize(bridge);
  // The bridge opens the GET stream after notifications/initialized; the server can only use it
  // once it exists.
  await waitUntil(() => server.openGetStreams > 0, "the GET stream");
  await bridge.send({
    jsonrpc: "2.0",
    id: "n1",
    method: "tools/call",
    params: { name: "notify_changed", arguments: {} },
  });
  await bridge.waitFor((m) => m.method === "notifications/tools/list_changed");
  await bridge.response("n1");
  await bridge.send({
    jsonrpc: "2.0",
    id: "p1",
    method: "tools/call",
    params: { name: "ping_client", arguments: {} },
  });
  const ping = await bridge.waitFor((m) => m.method === "ping");
  assert.ok(ping.id !== undefined, "the server's request id is intact");
  await bridge.send({ jsonrpc: "2.0", id: ping.id, result: {} });
  const answer = await bridge.response("p1");
  assert.match(JSON.stringify(answer.result), /pong/);
  assert.equal((await bridge.end()).code, 0);
});

Deno.test("an old HTTP+SSE server is reached through the automatic fallback", async () => {
  await using server = await startLegacyServer();
  await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
  const init = await initialize(bridge, "2024-11-05");
  assert.ok("result" in init);
  await bridge.send({
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "echo", arguments: { message: "legacy" } },
  });
  assert.match(JSON.stringify((await bridge.response(2)).result), /legacy/);
  assert.equal((await bridge.end()).code, 0);
  assert.equal(
    bridge.messages.filter((m) => (m.result as Record<string, unknown>)?.protocolVersion).length,
    1,
  );
});

Deno.test("stdin lines are decoded as UTF-8 across chunk boundaries, the last one unterminated", async () => {
  const bytes = new TextEncoder().encode('{"a":"é"}\r\n{"b":"日本"}\n{"c":"€"}');
  // Split inside the multi-byte characters: é (2 bytes), 日 (3 bytes), € (3 bytes).
  const cuts = [7, 8, 20, 21, 22, bytes.length - 3, bytes.length - 2];
  const stdin = new ReadableStream<Uint8Array>({
    start(controller) {
      let at = 0;
      for (const cut of cuts) {
        controller.enqueue(bytes.slice(at, cut));
        at = cut;
      }
      controller.enqueue(bytes.slice(at));
      controller.close();
    },
  });
  const lines: string[] = [];
  await readLines(stdin, new AbortController().signal, (line) => lines.push(line));
  assert.deepEqual(lines, ['{"a":"é"}', '{"b":"日本"}', '{"c":"€"}']);
});

Deno.test("an abort ends reading stdin even while a read is pending", async () => {
  const stdin = new ReadableStream<Uint8Array>({ pull() {} });
  const controller = new AbortController();
  const lines: string[] = [];
  const reading = readLines(stdin, controller.signal, (line) => lines.push(line));
  controller.abort();
  await reading;
  assert.deepEqual(lines, []);
});
