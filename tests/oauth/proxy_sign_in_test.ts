import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { initialize, startBridge } from "../support/bridge_process.ts";
import {
  callServer,
  createManager,
  findLeaks,
  startGuardedServer,
  USER_AGENT_BROWSER,
} from "./harness.ts";

function echo(id: number) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "echo", arguments: { message: `call ${id}` } },
  };
}

async function readState(path: string): Promise<Record<string, string | undefined>> {
  return { ...parseEnv(await Deno.readTextFile(path)) };
}

async function readLaunches(log: string): Promise<number> {
  const text = await Deno.readTextFile(log).catch(() => "");
  return text.split("\n").filter((line) => /\/authorize 302$/.test(line)).length;
}

function echoWithProgress(id: number, progressToken: string) {
  const request = echo(id);
  return { ...request, params: { ...request.params, _meta: { progressToken } } };
}

Deno.test("proxy: a mid-session invalid_grant holds every waiting request for one sign-in", async () => {
  await using server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  const agentLog = `${server.dir}/agent.log`;

  // Signed in earlier by another process: the bridge starts with stored tokens.
  const earlier = await createManager(server, { stateFile });
  assert.equal((await callServer(earlier.manager, server.mcp.url)).status, 200);
  const before = await readState(stateFile);

  // The browser finishes only once both requests wait for it. That requests are held past
  // --timeout while they wait is proven with fake timers in relay_test.ts; here a short
  // --timeout would only race the refresh, discovery and retries of a loaded machine.
  const gate = `${server.dir}/browser.gate`;
  await using bridge = startBridge(["--env-file", stateFile], {
    env: {
      MCP_SERVER_URL: server.mcp.url.href,
      BROWSER: USER_AGENT_BROWSER,
      USER_AGENT_LOG: agentLog,
      USER_AGENT_GATE: gate,
      MCP_CLIENT_AUTH_TIMEOUT: "30",
    },
  });
  const init = await initialize(bridge);
  assert.ok("result" in init, JSON.stringify(init));
  await bridge.send(echo(1));
  assert.ok("result" in await bridge.response(1));

  server.auth.revokeAccessTokens();
  server.auth.revokeRefreshTokens();

  // Both requests are refused; both wait for the one sign-in and are then answered.
  await bridge.send(echoWithProgress(2, "p2"));
  const progress = await bridge.waitFor((message) =>
    message.method === "notifications/progress" &&
    (message.params as { progressToken?: unknown }).progressToken === "p2"
  );
  assert.match(
    (progress.params as { message: string }).message,
    /^Waiting for the sign-in to 127\.0\.0\.1:\d+ in the browser$/,
  );
  await bridge.send(echoWithProgress(3, "p3"));
  await bridge.waitFor((message) =>
    message.method === "notifications/progress" &&
    (message.params as { progressToken?: unknown }).progressToken === "p3"
  );
  await Deno.writeTextFile(gate, "");
  const second = await bridge.response(2, 30_000);
  assert.ok("result" in second, JSON.stringify(second));
  const third = await bridge.response(3, 30_000);
  assert.ok("result" in third, JSON.stringify(third));

  const state = await readState(stateFile);
  assert.notEqual(state.MCP_CLIENT_ACCESS_TOKEN, before.MCP_CLIENT_ACCESS_TOKEN);
  assert.equal(state.MCP_CLIENT_ID, before.MCP_CLIENT_ID, "the registration is kept");

  const { code, stderr } = await bridge.end();
  assert.equal(code, 0);
  assert.equal(await readLaunches(agentLog), 1, "exactly one browser launch");
  assert.equal(server.auth.tokenCounts.authorization_code, 2);
  assert.equal(server.auth.tokenCounts.refresh_token, 1);
  assert.equal(server.auth.registrations, 1);
  const refresh = server.auth.tokenRequests.find((r) => r.grantType === "refresh_token");
  assert.equal(refresh?.status, 400, "the refresh was answered invalid_grant");
  assert.match(stderr, /\/authorize\?/);
  assert.deepEqual(findLeaks(bridge.lines.join("\n") + stderr, server.auth.secrets()), []);
});

Deno.test("proxy: the first sign-in (initialize without a token) waits for the browser", async () => {
  await using server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  const agentLog = `${server.dir}/agent.log`;
  await using bridge = startBridge(["--env-file", stateFile], {
    env: {
      MCP_SERVER_URL: server.mcp.url.href,
      BROWSER: USER_AGENT_BROWSER,
      USER_AGENT_LOG: agentLog,
      MCP_CLIENT_AUTH_TIMEOUT: "30",
    },
  });
  const init = await initialize(bridge);
  assert.ok("result" in init, JSON.stringify(init));
  await bridge.send(echo(1));
  assert.ok("result" in await bridge.response(1));
  const { code } = await bridge.end();
  assert.equal(code, 0);
  assert.equal(await readLaunches(agentLog), 1);
  assert.equal(server.auth.tokenCounts.authorization_code, 1);
});

Deno.test("a failed sign-in is shared by concurrent refusals and not reopened right away", async () => {
  await using server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  const earlier = await createManager(server, { stateFile });
  assert.equal((await callServer(earlier.manager, server.mcp.url)).status, 200);

  const { manager, lines } = await createManager(server, {
    stateFile,
    flags: { "auth-timeout": "0.3" },
    env: { BROWSER: "true" },
  });
  const events: string[] = [];
  manager.watchSignIn?.((event) => events.push(event.kind));
  const token = await manager.accessToken();
  server.auth.revokeRefreshTokens();
  const refusal = {
    status: 401 as const,
    rejectedToken: token,
    sessionEstablished: true,
    challenge: { scheme: "bearer", params: { resource_metadata: server.auth.resourceMetadataUrl } },
  };

  const refusals = Array.from({ length: 5 }, () =>
    manager.handleRefusal(refusal).then(
      () => "resolved",
      (error: Error) => error.message,
    ));
  for (const outcome of await Promise.all(refusals)) {
    assert.equal(outcome, "Sign-in did not finish within 0.3 s (--auth-timeout)");
  }
  await assert.rejects(manager.handleRefusal(refusal), /did not finish within/);
  assert.equal(lines.filter((line) => line.startsWith("Sign in to ")).length, 1);
  assert.deepEqual(events, ["started", "finished"]);
});
