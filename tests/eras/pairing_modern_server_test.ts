/**
 * Pairings with SDK v2 servers (2026-07-28 only, and dual-era): a 2025-era stdio client (SDK v1
 * client, and raw lines) served through the bridge's translation, and a 2026-07-28 client (SDK
 * v2, negotiation auto and pinned) relayed in its own era.
 */
import assert from "node:assert/strict";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { type DualEraServer, startDualEraServer } from "../fixtures/dual_era_server.ts";
import { initializeRequest, startBridge } from "../support/bridge_process.ts";
import {
  connectLegacyClient,
  connectModernClient,
  type Negotiation,
  toolText,
} from "../support/sdk_client.ts";
import { awaitWithin } from "../support/wait.ts";

const ERAS = ["modern", "dual"] as const;

for (const eras of ERAS) {
  Deno.test(`pairing: 2025 client × ${eras} server: echo, form and URL elicitation, sampling, list_changed`, async () => {
    await using server = await startDualEraServer({ eras });
    const asked: string[] = [];
    let changed!: () => void;
    const listChanged = new Promise<void>((resolve) => changed = resolve);
    await using connection = await connectLegacyClient(server.url, {
      setup(client) {
        client.setRequestHandler(ElicitRequestSchema, (request: { params: unknown }) => {
          const params = request.params as {
            mode?: string;
            message: string;
            elicitationId?: string;
          };
          asked.push(`${params.mode ?? "form"}:${params.message}`);
          if (params.mode === "url") {
            assert.equal(typeof params.elicitationId, "string");
            return { action: "accept" };
          }
          return { action: "accept", content: { confirm: true } };
        });
        client.setRequestHandler(CreateMessageRequestSchema, () => ({
          role: "assistant",
          content: { type: "text", text: "sampled" },
          model: "m",
        }));
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => changed());
      },
    });
    const { client } = connection;
    assert.equal(client.getServerVersion()?.name, "demo-sdk-v2-server");
    assert.equal(
      toolText(await client.callTool({ name: "echo", arguments: { message: "hi" } })),
      "hi",
    );
    assert.equal(
      toolText(await client.callTool({ name: "confirm", arguments: { action: "deploy" } })),
      "deploy: accept confirm=true",
    );
    assert.equal(
      toolText(await client.callTool({ name: "url_login", arguments: {} })),
      "login: accept",
    );
    assert.equal(
      toolText(await client.callTool({ name: "sample", arguments: { prompt: "p" } })),
      "sampled",
    );
    assert.deepEqual(asked, ["form:Really deploy?", "url:Sign in to the demo service"]);
    await client.callTool({ name: "touch_tools", arguments: {} });
    await awaitWithin(listChanged, "notifications/tools/list_changed");
    // The modern era was used (N-39): no initialize reached the server. The era probe's
    // server/discover also answered the client's initialize: one discover, not two.
    assert.equal(server.requestsFor("initialize").length, 0);
    assert.equal(server.requestsFor("server/discover").length, 1);
  });

  Deno.test(`pairing: 2025 client × ${eras} server: a client error and the round cap end the call`, async () => {
    await using server = await startDualEraServer({ eras });
    await using connection = await connectLegacyClient(server.url, {
      setup(client) {
        client.setRequestHandler(ElicitRequestSchema, (request: { params: unknown }) => {
          if ((request.params as { message: string }).message === "Once more?") {
            return { action: "accept", content: { ok: true } };
          }
          throw new Error("no dialog available");
        });
      },
    });
    const refused = await connection.client.callTool({
      name: "confirm",
      arguments: { action: "x" },
    });
    assert.equal(refused.isError, true);
    assert.match(
      toolText(refused),
      /Cannot complete tools\/call: the client answered elicitation\/create with error/,
    );
    const capped = await connection.client.callTool({ name: "ask_forever", arguments: {} });
    assert.equal(capped.isError, true);
    assert.match(toolText(capped), /still required input after 10 rounds/);
    assert.equal(
      server.requestsFor("tools/call").filter((r) =>
        (r.body as { params: { name: string } }).params.name === "ask_forever"
      ).length,
      11,
    );
  });

  Deno.test(`pairing: 2025 raw client × ${eras} server: ping and setLevel answered locally; cancel while a dialog is open`, async () => {
    await using server = await startDualEraServer({ eras });
    await using bridge = startBridge([], { env: { MCP_SERVER_URL: server.url.href } });
    await bridge.send(initializeRequest(1));
    const init = await bridge.response(1);
    assert.equal((init.result as { protocolVersion: string }).protocolVersion, "2025-11-25");
    await bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await bridge.send({ jsonrpc: "2.0", id: 2, method: "ping" });
    assert.deepEqual((await bridge.response(2)).result, {});
    await bridge.send({
      jsonrpc: "2.0",
      id: 3,
      method: "logging/setLevel",
      params: { level: "debug" },
    });
    assert.deepEqual((await bridge.response(3)).result, {});
    await bridge.send({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/call",
      params: { name: "echo", arguments: { message: "m" } },
    });
    await bridge.response(4);
    const echo = server.requestsFor("tools/call")[0].body as {
      params: { _meta: Record<string, unknown> };
    };
    assert.equal(echo.params._meta["io.modelcontextprotocol/logLevel"], "debug");
    // roots.listChanged is dropped: 2026-07-28 has no roots/list_changed.
    assert.deepEqual(echo.params._meta["io.modelcontextprotocol/clientCapabilities"], {
      sampling: {},
      elicitation: {},
      roots: {},
    });
    for (const method of ["ping", "logging/setLevel", "initialize", "notifications/initialized"]) {
      assert.equal(server.requestsFor(method).length, 0, `${method} was answered by the bridge`);
    }

    await bridge.send({
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "confirm", arguments: { action: "x" } },
    });
    const dialog = await bridge.waitFor((m) => m.method === "elicitation/create");
    assert.ok(String(dialog.id).startsWith("mcp-streamablehttp-client:"));
    await bridge.send({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 5 },
    });
    const withdrawn = await bridge.waitFor((m) =>
      m.method === "notifications/cancelled" &&
      (m.params as { requestId: unknown }).requestId === dialog.id
    );
    assert.ok(withdrawn);
    // A late answer to the withdrawn dialog changes nothing; the cancelled call gets no answer.
    await bridge.send({
      jsonrpc: "2.0",
      id: dialog.id,
      result: { action: "accept", content: { confirm: true } },
    });
    await bridge.send({ jsonrpc: "2.0", id: 6, method: "ping" });
    await bridge.response(6);
    assert.ok(!bridge.messages.some((m) => m.id === 5));
    const { code } = await bridge.end();
    assert.equal(code, 0);
  });
}

for (const eras of ERAS) {
  for (const negotiation of ["auto", "pin"] as Negotiation[]) {
    Deno.test(`pairing: 2026 client (${negotiation}) × ${eras} server: echo, elicitation, sampling, list_changed`, async () => {
      await using server: DualEraServer = await startDualEraServer({ eras });
      let changed!: () => void;
      const listChanged = new Promise<void>((resolve) => changed = resolve);
      await using connection = await connectModernClient(server.url, {
        negotiation,
        setup(client) {
          client.setRequestHandler(
            "elicitation/create",
            () => ({ action: "accept", content: { confirm: true } }),
          );
          client.setRequestHandler("sampling/createMessage", () => ({
            role: "assistant",
            content: { type: "text", text: "sampled" },
            model: "m",
          }));
          client.setNotificationHandler("notifications/tools/list_changed", () => changed());
        },
      });
      const { client } = connection;
      assert.equal(
        toolText(await client.callTool({ name: "echo", arguments: { message: "hi" } })),
        "hi",
      );
      assert.equal(
        toolText(await client.callTool({ name: "confirm", arguments: { action: "go" } })),
        "go: accept confirm=true",
      );
      assert.equal(
        toolText(await client.callTool({ name: "sample", arguments: { prompt: "p" } })),
        "sampled",
      );
      const subscription = await client.listen({ toolsListChanged: true });
      await client.callTool({ name: "touch_tools", arguments: {} });
      await awaitWithin(listChanged, "notifications/tools/list_changed");
      await subscription.close?.();
      assert.equal(server.requestsFor("initialize").length, 0);
    });
  }
}
