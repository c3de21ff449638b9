/**
 * The server changes era between two runs: the era the first run remembered (in the state file,
 * trusted for 30 days) is refused by the first exchange of the next run, which detects the era
 * again in the same process and carries on, so the client's request succeeds and the new era is
 * remembered. Real peers on one port, one after the other: the SDK v1 server (2025 only) and the
 * SDK v2 server (2026-07-28 only); the spawned bridge with a raw 2025-era or 2026-07-28 stdio
 * client, and the CLI (`--list-tools`, which reads the state file but never writes it).
 */
import assert from "node:assert/strict";
import { startDualEraServer } from "../fixtures/dual_era_server.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { initialize, startBridge } from "../support/bridge_process.ts";
import { createTempDir, runMain } from "../support/main_process.ts";
import { stablePort } from "../support/ports.ts";

type Era = "legacy" | "modern";

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw-2026-client", version: "1.0.0" },
};

async function startServer(era: Era, port: number) {
  return era === "legacy" ? await startMcpServer({ port }) : await startDualEraServer({
    eras: "modern",
    port,
  });
}

function rememberedEra(stateFile: string): string | undefined {
  return Deno.readTextFileSync(stateFile).match(/MCP_CLIENT_SERVER_ERA=["']?(\w+) /)?.[1];
}

/** Lists the tools through the spawned bridge as a client of `client`'s era. */
async function listThroughBridge(url: URL, stateFile: string, client: "2025" | "2026") {
  await using bridge = startBridge([], {
    env: { MCP_SERVER_URL: url.href, MCP_CLIENT_ENV_FILE: stateFile },
  });
  if (client === "2025") {
    const init = await initialize(bridge);
    assert.ok(init.result, JSON.stringify(init));
  }
  const params = client === "2026" ? { _meta: META } : {};
  await bridge.send({ jsonrpc: "2.0", id: 1, method: "tools/list", params });
  const response = await bridge.response(1);
  const { code, stderr } = await bridge.end();
  assert.equal(code, 0, stderr);
  return { response, stderr };
}

for (const [before, after] of [["legacy", "modern"], ["modern", "legacy"]] as Array<[Era, Era]>) {
  Deno.test(
    `era change: remembered ${before}, server now ${after}: detected again in the same run`,
    async () => {
      const stateFile = `${createTempDir()}/server.env`;
      const port = stablePort();
      const first = await startServer(before, port);
      const url = first.url;
      await listThroughBridge(url, stateFile, "2025");
      assert.equal(rememberedEra(stateFile), before);
      const remembered = Deno.readTextFileSync(stateFile);
      await first.close();

      await using second = await startServer(after, port);
      for (const client of ["2025", "2026"] as const) {
        Deno.writeTextFileSync(stateFile, remembered);
        const { response, stderr } = await listThroughBridge(url, stateFile, client);
        const tools = (response.result as { tools?: Array<{ name: string }> } | undefined)?.tools;
        assert.ok(tools?.some((tool) => tool.name === "echo"), `${client}: ${stderr}`);
        assert.equal(rememberedEra(stateFile), after, `${client} client`);
      }

      // The command-line modes never write the state file: the refuted verdict stays there, and
      // each run detects the era again.
      Deno.writeTextFileSync(stateFile, remembered);
      const listed = await runMain(["--list-tools"], {
        env: { MCP_SERVER_URL: url.href, MCP_CLIENT_ENV_FILE: stateFile },
      });
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /echo/);
      assert.equal(second.requestsFor("server/discover").length >= 3, true);
    },
  );
}
