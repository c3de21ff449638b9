/**
 * Pairings with the legacy server (SDK v1 1.32.2, sessions and a GET stream): a 2026-07-28
 * stdio client (SDK v2, negotiation auto and pinned) served through the bridge's translation,
 * and a 2025-era client relayed as it is.
 */
import assert from "node:assert/strict";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import {
  connectLegacyClient,
  connectModernClient,
  type Negotiation,
  toolText,
} from "../support/sdk_client.ts";
import { awaitWithin, waitUntil } from "../support/wait.ts";

for (const negotiation of ["pin", "auto"] as Negotiation[]) {
  Deno.test(
    `pairing: 2026 client (${negotiation}) × legacy server: echo, elicitation, sampling`,
    async () => {
      await using server = await startMcpServer();
      const seen: string[] = [];
      await using connection = await connectModernClient(server.url, {
        negotiation,
        setup(client) {
          client.setRequestHandler("elicitation/create", (request) => {
            seen.push(`elicit:${(request.params as { message: string }).message}`);
            return { action: "accept", content: { name: "Ada" } };
          });
          client.setRequestHandler("sampling/createMessage", () => {
            seen.push("sample");
            return {
              role: "assistant",
              content: { type: "text", text: "sampled text" },
              model: "test-model",
            };
          });
        },
      });
      const { client } = connection;
      assert.equal(client.getNegotiatedProtocolVersion?.() ?? "2026-07-28", "2026-07-28");
      assert.equal(client.getServerVersion()?.name, "fixture-mcp-server");
      const tools = await client.listTools();
      assert.ok(tools.tools.some((tool) => tool.name === "echo"));
      assert.equal(
        toolText(await client.callTool({ name: "echo", arguments: { message: "hi" } })),
        "hi",
      );
      const elicited = await client.callTool({ name: "elicit", arguments: { message: "Name?" } });
      assert.deepEqual(JSON.parse(toolText(elicited)), {
        action: "accept",
        content: { name: "Ada" },
      });
      const sampled = await client.callTool({ name: "sample", arguments: { prompt: "Say" } });
      assert.equal(toolText(sampled), "sampled text");
      assert.deepEqual(seen, ["elicit:Name?", "sample"]);
      // The bridge opened the legacy session with the client's capabilities (the SDK's probe runs
      // on a sibling process, which opens a session of its own for server/discover).
      for (const recorded of server.requestsFor("initialize")) {
        const init = recorded.body as {
          params: { capabilities: unknown; protocolVersion: string };
        };
        assert.equal(init.params.protocolVersion, "2025-11-25");
        assert.deepEqual(init.params.capabilities, {
          elicitation: { form: {}, url: {} },
          sampling: {},
        });
      }
    },
  );
}

Deno.test(
  "pairing: 2026 client × legacy server: list_changed arrives on a listen stream",
  async () => {
    await using server = await startMcpServer();
    let changed!: () => void;
    const arrived = new Promise<void>((resolve) => changed = resolve);
    await using connection = await connectModernClient(server.url, {
      negotiation: "pin",
      setup(client) {
        client.setNotificationHandler("notifications/tools/list_changed", () => changed());
      },
    });
    const subscription = await connection.client.listen({ toolsListChanged: true });
    await connection.client.callTool({ name: "notify_changed", arguments: {} });
    await awaitWithin(arrived, "notifications/tools/list_changed");
    await subscription.close?.();
  },
);

Deno.test("pairing: 2025 client × legacy server is relayed without translation", async () => {
  await using server = await startMcpServer();
  await using connection = await connectLegacyClient(server.url, {
    setup(client) {
      client.setRequestHandler(ElicitRequestSchema, () => ({ action: "decline" }));
    },
  });
  const result = await connection.client.callTool({ name: "elicit", arguments: { message: "?" } });
  assert.deepEqual(JSON.parse(toolText(result)), { action: "decline", content: null });
  // One era probe (a 2026-07-28 request first), then the 2025 session.
  assert.equal(server.requestsFor("server/discover").length, 1);
});

Deno.test(
  "pairing: 2026 client × legacy server: a request for input goes to the call whose stream carried it; cancellation reaches the server",
  async () => {
    await using server = await startMcpServer();
    await using connection = await connectModernClient(server.url, {
      negotiation: "pin",
      setup(client) {
        client.setRequestHandler("elicitation/create", () => ({
          action: "accept",
          content: { name: "Grace" },
        }));
      },
    });
    const { client } = connection;
    const aborter = new AbortController();
    const slow = client.callTool({ name: "slow", arguments: { ms: 600_000 } }, {
      signal: aborter.signal,
    });
    slow.catch(() => {});
    // Two multi round-trip calls in flight: the elicitation belongs to the second.
    const elicited = await client.callTool({ name: "elicit", arguments: { message: "Who?" } });
    assert.deepEqual(JSON.parse(toolText(elicited)), {
      action: "accept",
      content: { name: "Grace" },
    });
    aborter.abort(new Error("user cancelled"));
    await assert.rejects(slow);
    const [slowCall] = server.requestsFor("tools/call").filter((r) =>
      (r.body as { params: { name: string } }).params.name === "slow"
    );
    const upstreamId = (slowCall.body as { id: unknown }).id;
    await waitUntil(
      () =>
        server.requestsFor("notifications/cancelled").some((r) =>
          (r.body as { params: { requestId: unknown } }).params.requestId === upstreamId
        ),
      "notifications/cancelled for the slow call",
    );
  },
);
