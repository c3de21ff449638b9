/**
 * A 2026-07-28 stdio client (SDK v2 2.4.0, negotiation pinned and auto) through the spawned
 * bridge to the SDK v2 server, 2026-only and dual-era: the bridge finds the modern era and
 * relays the client's requests with the headers only the HTTP side can add.
 */
import assert from "node:assert/strict";
import { startDualEraServer } from "../fixtures/dual_era_server.ts";
import { connectModernClient, type Negotiation } from "../support/sdk_client.ts";

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ??
    [];
  return content.map((item) => item.text ?? "").join("");
}

for (const eras of ["modern", "dual"] as const) {
  for (const negotiation of ["pin", "auto"] as Negotiation[]) {
    Deno.test(`modern relay: 2026 client (${negotiation}) × ${eras} server`, async () => {
      await using server = await startDualEraServer({ eras });
      const asked: string[] = [];
      await using connection = await connectModernClient(server.url, {
        negotiation,
        setup(client) {
          client.setRequestHandler("elicitation/create", (request) => {
            asked.push((request.params as { message: string }).message);
            return { action: "accept", content: { confirm: true } };
          });
          client.setRequestHandler("sampling/createMessage", () => ({
            role: "assistant",
            content: { type: "text", text: "sampled" },
            model: "test-model",
          }));
        },
      });
      const { client } = connection;
      const tools = await client.listTools();
      assert.ok(tools.tools.some((tool) => tool.name === "region_echo"));
      assert.equal(
        textOf(
          await client.callTool({ name: "echo", arguments: { message: "hi" } }),
        ),
        "hi",
      );
      assert.equal(
        textOf(
          await client.callTool({
            name: "region_echo",
            arguments: { region: "Zürich", message: "x" },
          }),
        ),
        "Zürich: x",
      );
      assert.equal(
        textOf(
          await client.callTool({
            name: "confirm",
            arguments: { action: "deploy" },
          }),
        ),
        "deploy: accept confirm=true",
      );
      assert.equal(
        textOf(
          await client.callTool({
            name: "sample",
            arguments: { prompt: "Say" },
          }),
        ),
        "sampled",
      );
      assert.deepEqual(asked, ["Really deploy?"]);

      const calls = server.requestsFor("tools/call");
      const region = calls.find((r) => JSON.stringify(r.body).includes("region_echo"))!;
      assert.equal(
        region.headers["mcp-param-region"],
        `=?base64?${btoa("Z\xc3\xbcrich")}?=`,
      );
      for (const call of calls) {
        assert.equal(call.headers["mcp-protocol-version"], "2026-07-28");
        assert.equal(call.headers["mcp-method"], "tools/call");
        assert.ok(call.headers["mcp-name"]);
      }
      // The modern era all the way: no handshake, no session, no GET or DELETE.
      assert.equal(server.requestsFor("initialize").length, 0);
      assert.ok(server.requests.every((r) => r.method === "POST"));
      assert.ok(
        server.requests.every((r) => r.headers["mcp-session-id"] === undefined),
      );
    });
  }
}
