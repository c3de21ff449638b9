import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { initialize, type Message, startBridge } from "../support/bridge_process.ts";
import { waitUntil } from "../support/wait.ts";
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

function errorKind(message: Message): unknown {
  const error = message.error as { data?: { kind?: unknown } } | undefined;
  return error?.data?.kind;
}

Deno.test("proxy: a mid-session invalid_grant fails the request at once and signs in once in the background", async () => {
  await using server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  const agentLog = `${server.dir}/agent.log`;

  // Signed in earlier by another process: the bridge starts with stored tokens.
  const earlier = await createManager(server, { stateFile });
  assert.equal((await callServer(earlier.manager, server.mcp.url)).status, 200);
  const before = await readState(stateFile);

  await using bridge = startBridge(["--env-file", stateFile], {
    env: {
      MCP_SERVER_URL: server.mcp.url.href,
      BROWSER: USER_AGENT_BROWSER,
      USER_AGENT_LOG: agentLog,
      // Keeps the background sign-in running while the second request arrives.
      USER_AGENT_DELAY_MS: "2000",
      MCP_CLIENT_AUTH_TIMEOUT: "30",
    },
  });
  const init = await initialize(bridge);
  assert.ok("result" in init, JSON.stringify(init));
  await bridge.send(echo(1));
  assert.ok("result" in await bridge.response(1));

  server.auth.revokeAccessTokens();
  server.auth.revokeRefreshTokens();

  await bridge.send(echo(2));
  const refused = await bridge.response(2, 10_000);
  assert.equal(errorKind(refused), "auth_required", JSON.stringify(refused));
  assert.match(
    (refused.error as { message: string }).message,
    /^Sign-in needed: complete it in the browser \(URL on stderr\), then retry$/,
  );

  // A request during the sign-in fails the same way, without a second browser.
  await bridge.send(echo(3));
  const during = await bridge.response(3, 10_000);
  assert.equal(errorKind(during), "auth_required", JSON.stringify(during));
  // The user agent holds the browser for USER_AGENT_DELAY_MS: no launch yet means no waiting.
  assert.equal(await readLaunches(agentLog), 0, "the errors did not wait for the browser");

  // The browser completes the sign-in; the retried request uses the new token.
  let state = await readState(stateFile);
  await waitUntil(() => Boolean(state.MCP_CLIENT_ACCESS_TOKEN), "the new sign-in", async () => {
    state = await readState(stateFile);
  });
  assert.ok(state.MCP_CLIENT_ACCESS_TOKEN, "signed in again");
  assert.notEqual(state.MCP_CLIENT_ACCESS_TOKEN, before.MCP_CLIENT_ACCESS_TOKEN);
  assert.equal(state.MCP_CLIENT_ID, before.MCP_CLIENT_ID, "the registration is kept");
  await bridge.send(echo(4));
  const retried = await bridge.response(4, 10_000);
  assert.ok("result" in retried, JSON.stringify(retried));

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

Deno.test("background mode: a failed background sign-in is not reopened right away", async () => {
  await using server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  const earlier = await createManager(server, { stateFile });
  assert.equal((await callServer(earlier.manager, server.mcp.url)).status, 200);

  const { manager, lines } = await createManager(server, {
    stateFile,
    signInMode: "background",
    flags: { "auth-timeout": "0.3" },
    env: { BROWSER: "true" },
  });
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
  for (const outcome of await Promise.all(refusals)) assert.match(outcome, /^Sign-in needed/);
  await waitUntil(
    () => lines.some((line) => line.includes("Background sign-in failed")),
    "the failed background sign-in",
  );
  await assert.rejects(manager.handleRefusal(refusal), /did not finish within/);
  assert.equal(lines.filter((line) => line.startsWith("Sign in to ")).length, 1);
  assert.ok(lines.some((line) => line.includes("Background sign-in failed")));
});
