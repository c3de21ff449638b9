import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { BridgeError } from "../../lib/errors.ts";
import {
  callServer,
  createManager,
  findLeaks,
  startGuardedServer,
  USER_AGENT_BROWSER,
} from "./harness.ts";

async function readState(path: string): Promise<Record<string, string>> {
  return { ...parseEnv(await Deno.readTextFile(path)) } as Record<string, string>;
}

Deno.test("an expiring token is refreshed before use, with scope and resource repeated", async () => {
  await using server = await startGuardedServer({
    auth: { accessTokenLifetime: 2, scopesSupported: ["a", "b"] },
  });
  const { manager, lines } = await createManager(server);
  const first = await callServer(manager, server.mcp.url);
  assert.equal(first.status, 200);
  const before = await readState(`${server.dir}/state.env`);
  // A token at hand is returned as it is, so a request goes out in the same turn.
  assert.equal(manager.accessToken(), first.token);

  server.clock.advance(1_100);
  const renewing = manager.accessToken();
  assert.ok(renewing instanceof Promise, "an expiring token is refreshed first");
  assert.notEqual(await renewing, first.token);
  const second = await callServer(manager, server.mcp.url);
  assert.equal(second.status, 200);
  assert.equal(second.refusals, 0, "refreshed proactively, not after a 401");
  assert.notEqual(second.token, first.token);
  assert.equal(server.auth.tokenCounts.refresh_token, 1);
  const refresh = server.auth.tokenRequests.find((r) => r.grantType === "refresh_token");
  assert.equal(refresh?.scope, "a b");
  assert.equal(refresh?.resource, server.mcp.url.href);

  const after = await readState(`${server.dir}/state.env`);
  assert.equal(after.MCP_CLIENT_ACCESS_TOKEN, second.token);
  assert.notEqual(after.MCP_CLIENT_REFRESH_TOKEN, before.MCP_CLIENT_REFRESH_TOKEN, "rotated");
  assert.deepEqual(findLeaks(lines.join("\n"), server.auth.secrets()), []);
});

Deno.test("a stored expired token is refreshed by a new process without a browser", async () => {
  await using server = await startGuardedServer({ auth: { accessTokenLifetime: 1 } });
  const first = await createManager(server);
  assert.equal((await callServer(first.manager, server.mcp.url)).status, 200);
  server.clock.advance(1_100);
  const second = await createManager(server, { interactive: false });
  const result = await callServer(second.manager, server.mcp.url);
  assert.equal(result.status, 200);
  assert.equal(server.auth.tokenCounts.refresh_token, 1);
  assert.equal(server.auth.tokenCounts.authorization_code, 1);
});

Deno.test("50 concurrent requests during expiry cause exactly one refresh", async () => {
  await using server = await startGuardedServer({
    auth: { accessTokenLifetime: 2, tokenDelayMs: 100 },
  });
  const { manager } = await createManager(server);
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  server.clock.advance(2_100);
  const results = await Promise.all(
    Array.from(
      { length: 50 },
      (_, i) =>
        i % 2 === 0
          ? callServer(manager, server.mcp.url)
          : manager.handleRefusal({ status: 401 }).then((token) => ({ status: 200, token })),
    ),
  );
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(new Set(results.map((r) => r.token)).size, 1);
  assert.equal(server.auth.tokenCounts.refresh_token, 1);
});

Deno.test("a 401 on a revoked access token refreshes once and retries", async () => {
  await using server = await startGuardedServer();
  const { manager } = await createManager(server);
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  server.auth.revokeAccessTokens();
  // The token was just obtained by sign-in; wait until it no longer counts as fresh.
  server.clock.advance(10_100);
  const result = await callServer(manager, server.mcp.url);
  assert.equal(result.status, 200);
  assert.equal(result.refusals, 1);
  assert.equal(server.auth.tokenCounts.refresh_token, 1);
  assert.equal(server.auth.tokenCounts.authorization_code, 1);
});

Deno.test("invalid_grant clears the tokens and signs in again", async () => {
  await using server = await startGuardedServer({ auth: { accessTokenLifetime: 1 } });
  const { manager, lines } = await createManager(server);
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  server.auth.revokeRefreshTokens();
  server.clock.advance(1_100);
  const result = await callServer(manager, server.mcp.url);
  assert.equal(result.status, 200);
  assert.equal(server.auth.tokenCounts.refresh_token, 1);
  assert.equal(server.auth.tokenCounts.authorization_code, 2);
  assert.equal(server.auth.registrations, 1, "the registration is kept");
  assert.ok(lines.some((l) => l.includes('authorization server answered "invalid_grant"')));
});

Deno.test("invalid_grant without a terminal fails with auth_required", async () => {
  await using server = await startGuardedServer({ auth: { accessTokenLifetime: 1 } });
  const first = await createManager(server);
  assert.equal((await callServer(first.manager, server.mcp.url)).status, 200);
  server.auth.revokeRefreshTokens();
  server.clock.advance(1_100);
  const { manager } = await createManager(server, { interactive: false });
  await assert.rejects(
    callServer(manager, server.mcp.url),
    (error: unknown) =>
      error instanceof BridgeError && error.kind === "auth_required" &&
      /nobody is present to sign in/.test(error.message),
  );
  const state = await readState(`${server.dir}/state.env`);
  assert.equal(state.MCP_CLIENT_ACCESS_TOKEN, undefined);
  assert.equal(state.MCP_CLIENT_REFRESH_TOKEN, undefined);
  assert.ok(state.MCP_CLIENT_ID, "the client registration stays");
});

Deno.test("a server that refuses freshly issued tokens fails instead of looping", async () => {
  await using server = await startGuardedServer({ mcp: { verifyToken: () => false } });
  const { manager } = await createManager(server);
  await assert.rejects(
    callServer(manager, server.mcp.url, 10),
    (error: unknown) => error instanceof BridgeError && error.kind === "auth_failed",
  );
  assert.equal(server.auth.tokenCounts.authorization_code, 1);
});

const WORKER = new URL("./token_worker.ts", import.meta.url).pathname;

Deno.test("two processes sharing a rotating refresh token both keep working", async () => {
  await using server = await startGuardedServer({ auth: { accessTokenLifetime: 2 } });
  const { manager } = await createManager(server);
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  const run = () =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-q",
        "-A",
        WORKER,
        server.mcp.url.href,
        `${server.dir}/state.env`,
        "25",
        "200",
      ],
      env: { BROWSER: USER_AGENT_BROWSER },
      stdout: "piped",
      stderr: "piped",
    }).output();
  const outputs = await Promise.all([run(), run()]);
  const decoder = new TextDecoder();
  for (const output of outputs) {
    const stdout = decoder.decode(output.stdout);
    const stderr = decoder.decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const statuses: number[] = JSON.parse(stdout);
    assert.ok(statuses.every((s) => s === 200), stdout);
    assert.deepEqual(findLeaks(stdout + stderr, server.auth.secrets()), []);
  }
  assert.equal(server.auth.tokenCounts.authorization_code, 1, "nobody had to sign in again");
  const refreshes = server.auth.tokenRequests.filter((r) => r.grantType === "refresh_token");
  assert.ok(refreshes.length >= 2, "tokens expired and were refreshed");
  assert.ok(refreshes.every((r) => r.status === 200), "no refresh used a rotated-out token");
});
