/**
 * N-18: a server that sends a request on a 2026-07-28 response stream (the era forbids it; it
 * asks through `input_required`). The spawned bridge never writes that request to the stdio
 * client, answers the server itself with a method-not-found error (so the server does not wait
 * for an answer that cannot come), and relays the call's result. The server is the SDK v2
 * server (2026-07-28 only) with one tool whose answer a test hook replaces by such a stream.
 */
import assert from "node:assert/strict";
import { startDualEraServer } from "../fixtures/dual_era_server.ts";
import { initialize, startBridge } from "../support/bridge_process.ts";

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} } },
  "io.modelcontextprotocol/clientInfo": { name: "raw-2026-client", version: "1.0.0" },
};

const PUSHED_ID = "pushed-elicitation";

type Body = {
  id?: unknown;
  method?: string;
  params?: { name?: string };
  error?: { code?: number; message?: string };
};

/** An SSE answer to `tools/call` that first sends an `elicitation/create` request. */
function pushingStream(callId: unknown, answered: Promise<Body>): Response {
  const encoder = new TextEncoder();
  const event = (message: unknown) =>
    encoder.encode(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(event({
        jsonrpc: "2.0",
        id: PUSHED_ID,
        method: "elicitation/create",
        params: { mode: "form", message: "Name?", requestedSchema: { type: "object" } },
      }));
      const answer = await answered;
      controller.enqueue(event({
        jsonrpc: "2.0",
        id: callId,
        result: {
          resultType: "complete",
          content: [{ type: "text", text: `client answered ${answer.error?.code}` }],
        },
      }));
      controller.close();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

async function startPushingServer() {
  const answered = Promise.withResolvers<Body>();
  const server = await startDualEraServer({
    eras: "modern",
    intercept(recorded) {
      const body = recorded.body as Body;
      if (body.id === PUSHED_ID && body.method === undefined) {
        answered.resolve(body);
        return new Response(null, { status: 202 });
      }
      if (body.method === "tools/call" && body.params?.name === "push_ask") {
        return pushingStream(body.id, answered.promise);
      }
      return undefined;
    },
  });
  return { server, answered: answered.promise };
}

for (const client of ["2026", "2025"] as const) {
  Deno.test(
    `modern server: a request it sends on a response stream never reaches a ${client} stdio client; the bridge answers it`,
    async () => {
      const { server, answered } = await startPushingServer();
      await using _server = server;
      await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
      const params = client === "2026"
        ? { name: "push_ask", arguments: {}, _meta: META }
        : { name: "push_ask", arguments: {} };
      if (client === "2025") await initialize(bridge);
      await bridge.send({ jsonrpc: "2.0", id: 7, method: "tools/call", params });
      const response = await bridge.response(7);
      // (a 2025-era client gets the result without `resultType`)
      assert.deepEqual((response.result as { content: unknown }).content, [
        { type: "text", text: "client answered -32601" },
      ]);
      const answer = await answered;
      assert.match(answer.error?.message ?? "", /elicitation\/create/);
      const [posted] = server.requests.filter((r) => (r.body as Body)?.id === PUSHED_ID);
      assert.equal(posted.headers["mcp-protocol-version"], "2026-07-28");
      const { code, stderr } = await bridge.end();
      assert.equal(code, 0);
      assert.ok(
        bridge.messages.every((message) => message.method !== "elicitation/create"),
        "no server→client request on stdout",
      );
      assert.match(stderr, /elicitation\/create/);
    },
  );
}
