import assert from "node:assert/strict";
import { createTempDir, runMain } from "../support/main_process.ts";
import { findLeaks, startGuardedServer, USER_AGENT_BROWSER } from "./harness.ts";
import { initializeRequest } from "../support/bridge_process.ts";

Deno.test("main.ts --list-tools signs in through the browser once, then reuses the token", async () => {
  await using server = await startGuardedServer({ auth: { scopesSupported: ["mcp"] } });
  const home = createTempDir("mcp-shc-home-");
  const env = {
    MCP_SERVER_URL: server.mcp.url.href,
    BROWSER: USER_AGENT_BROWSER,
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    MCP_CLIENT_AUTH_TIMEOUT: "30",
  };
  try {
    const first = await runMain(["--list-tools"], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /echo/);
    assert.match(first.stderr, /Sign in to 127\.0\.0\.1:\d+ in your browser/);
    assert.match(first.stderr, /\/authorize\?/);
    assert.equal(server.auth.tokenCounts.authorization_code, 1);

    const second = await runMain(["--list-tools"], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(server.auth.tokenCounts.authorization_code, 1);
    assert.equal(server.auth.registrations, 1);

    const state = [...Deno.readDirSync(`${home}/.config/mcp-streamablehttp-client`)]
      .filter((e) => e.name.endsWith(".env"));
    assert.equal(state.length, 1);

    // Proxy mode: stdout carries JSON-RPC only.
    const proxy = await runMain([], {
      env,
      stdin: JSON.stringify(initializeRequest(1)) + "\n",
    });
    for (const line of proxy.stdout.split("\n").filter(Boolean)) {
      assert.equal(JSON.parse(line).jsonrpc, "2.0");
    }
    assert.match(proxy.stdout, /"id":1/);

    for (const run of [first, second, proxy]) {
      assert.deepEqual(findLeaks(run.stdout + run.stderr, server.auth.secrets()), []);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
