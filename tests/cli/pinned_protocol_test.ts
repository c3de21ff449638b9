/**
 * `--protocol` pins the era toward the server: no `server/discover` probe, and when the server
 * speaks the other era, the refusal of the first request comes with a warning that names the pin
 * and `--protocol auto`, in the command-line modes and in the proxy alike. Real peers: the SDK v1
 * server (2025 only) and the SDK v2 server (2026-07-28 only).
 */
import assert from "node:assert/strict";
import { startDualEraServer } from "../fixtures/dual_era_server.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { initialize, startBridge } from "../support/bridge_process.ts";
import { runMain } from "../support/main_process.ts";

const WARNING = (version: string) =>
  new RegExp(
    `WARNING \\w+: Server refused the first request under protocol "${version}" \\(set by ` +
      `--protocol or MCP_CLIENT_PROTOCOL\\): if it speaks the other era, use --protocol auto`,
  );

Deno.test("--protocol pins the server's era: no probe, and the call works", async () => {
  await using legacy = await startMcpServer();
  const old = await runMain(["--protocol", "2025-11-25", "-c", "echo message=hi"], {
    env: { MCP_SERVER_URL: legacy.url.href },
  });
  assert.equal(old.code, 0, old.stderr);
  assert.match(old.stdout, /^hi$/m);
  assert.equal(legacy.requestsFor("server/discover").length, 0);

  await using modern = await startDualEraServer({ eras: "modern" });
  const now = await runMain(["-c", "echo message=hi"], {
    env: { MCP_SERVER_URL: modern.url.href, MCP_CLIENT_PROTOCOL: "2026-07-28" },
  });
  assert.equal(now.code, 0, now.stderr);
  assert.match(now.stdout, /^hi$/m);
  // No probe: the one discover is the 2025 client's initialize, translated.
  assert.equal(modern.requestsFor("server/discover").length, 1);
  assert.equal(modern.requestsFor("initialize").length, 0);
});

Deno.test("--protocol naming the other era: the refusal warns with the pin and --protocol auto", async () => {
  await using legacy = await startMcpServer();
  await using modern = await startDualEraServer({ eras: "modern" });
  for (const [server, version] of [[legacy, "2026-07-28"], [modern, "2025-11-25"]] as const) {
    const result = await runMain(["--protocol", version, "-c", "echo message=hi"], {
      env: { MCP_SERVER_URL: server.url.href },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, WARNING(version));
    assert.match(result.stderr, /Error: Server answered "initialize" with error/);
  }

  // The proxy relays the server's refusal to its client, and warns on stderr.
  await using bridge = startBridge(["--protocol", "2025-11-25"], {
    env: { MCP_SERVER_URL: modern.url.href },
  });
  const refused = await initialize(bridge);
  assert.equal((refused.error as { code?: number } | undefined)?.code, -32022);
  await bridge.waitForStderr(WARNING("2025-11-25"));
  assert.equal((await bridge.end()).code, 0);
});

Deno.test("--protocol auto never warns about a pin", async () => {
  await using modern = await startDualEraServer({ eras: "modern" });
  const result = await runMain(["-c", "nosuchtool"], {
    env: { MCP_SERVER_URL: modern.url.href },
  });
  assert.notEqual(result.code, 0);
  assert.doesNotMatch(result.stderr, /set by --protocol/);
});
