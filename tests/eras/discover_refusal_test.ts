/**
 * N-51 end to end: a 2026-07-28 stdio client and a 2025-era server on which the bridge cannot
 * open the session for it. `server/discover` gets a non-modern JSON-RPC error (never -32022)
 * naming the server's versions, so a negotiating client falls back to `initialize` and the
 * plain relay. Real peers: the SDK v1 server (refusing `initialize` through its test hook), the
 * spawned bridge, a raw 2026-07-28 stdio client and the SDK v2 client negotiating (`auto`).
 */
import assert from "node:assert/strict";
import { type RecordedRequest, startMcpServer } from "../fixtures/mcp_server.ts";
import { startBridge } from "../support/bridge_process.ts";
import { connectModernClient, toolText } from "../support/sdk_client.ts";

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw-2026-client", version: "1.0.0" },
};

/** Answers the next `refusals.left` initialize requests with a version refusal. */
function refuseInitialize(refusals: { left: number }) {
  return (_request: Request, recorded: RecordedRequest) => {
    const body = recorded.body as { id?: unknown; method?: string } | undefined;
    if (body?.method !== "initialize" || refusals.left <= 0) return undefined;
    refusals.left--;
    return Response.json({
      jsonrpc: "2.0",
      id: body.id,
      error: {
        code: -32602,
        message: "Unsupported protocol version",
        data: { supported: ["2025-03-26", "2024-11-05"], requested: "2025-11-25" },
      },
    });
  };
}

Deno.test(
  "N-51: with no session to run, server/discover gets a non-modern error naming the server's versions",
  async () => {
    await using server = await startMcpServer({
      intercept: refuseInitialize({ left: Number.POSITIVE_INFINITY }),
    });
    await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
    await bridge.send({
      jsonrpc: "2.0",
      id: 1,
      method: "server/discover",
      params: { _meta: META },
    });
    const response = await bridge.response(1);
    const error = response.error as {
      code: number;
      message: string;
      data: Record<string, unknown>;
    };
    assert.equal(error.code, -32601);
    assert.equal(
      error.message,
      "Method not found: server/discover (the server speaks MCP 2025-03-26, 2024-11-05; " +
        "Server refused initialize: -32602 Unsupported protocol version)",
    );
    assert.equal(error.data.source, "mcp-streamablehttp-client");
    assert.equal(error.data.kind, "untranslatable");
    assert.deepEqual(error.data.upstreamVersions, ["2025-03-26", "2024-11-05"]);
    const { code } = await bridge.end();
    assert.equal(code, 0);
  },
);

Deno.test(
  "N-51: a negotiating 2026 client (SDK v2, auto) falls back to initialize on that error and is relayed",
  async () => {
    // The server refuses one session (the one the bridge opens for the client's probe).
    const refusals = { left: 1 };
    await using server = await startMcpServer({ intercept: refuseInitialize(refusals) });
    await using connection = await connectModernClient(server.url, { negotiation: "auto" });
    const { client } = connection;
    assert.equal(refusals.left, 0);
    assert.notEqual(client.getNegotiatedProtocolVersion?.(), "2026-07-28");
    assert.equal(
      toolText(await client.callTool({ name: "echo", arguments: { message: "hi" } })),
      "hi",
    );
    assert.equal(server.requestsFor("initialize").length, 2);
  },
);
