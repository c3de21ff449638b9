import assert from "node:assert/strict";
import { openEnvStore } from "../../lib/config/env_store.ts";
import { createLogger } from "../../lib/log.ts";
import { createDiscoveryCache } from "../../lib/oauth/discovery_cache.ts";
import { createGrantRunner, type ManagerMemory } from "../../lib/oauth/grant_runner.ts";
import { readStoredAuth } from "../../lib/oauth/token_state.ts";
import type { FlowContext } from "../../lib/oauth/types.ts";
import {
  callServer,
  createCapturedIo,
  createManager,
  createSettings,
  type GuardedServer,
  startGuardedServer,
} from "./harness.ts";

/** A grant runner over the state file an earlier browser sign-in left behind. */
async function createSignedInRunner(server: GuardedServer) {
  const stateFile = `${server.dir}/state.env`;
  const earlier = await createManager(server, { stateFile });
  assert.equal((await callServer(earlier.manager, server.mcp.url)).status, 200);
  const settings = await createSettings({ serverUrl: server.mcp.url.href, stateFile });
  const { io, lines } = createCapturedIo();
  const log = createLogger({ level: "DEBUG", sink: (line) => lines.push(line) });
  const store = openEnvStore(stateFile);
  const context: FlowContext = {
    settings,
    fetch: globalThis.fetch,
    log,
    io,
    signal: io.signal,
    store,
    serverUrl: settings.serverUrl,
    now: server.clock.now,
  };
  const memory: ManagerMemory = { values: await store.read(), obtained: new Map() };
  const events: string[] = [];
  const discovery = createDiscoveryCache({
    serverUrl: settings.serverUrl,
    log,
    context: () => context,
  });
  // As the manager does with the challenge of the 401 that asked for a token.
  discovery.noteChallenge({
    scheme: "bearer",
    params: { resource_metadata: server.auth.resourceMetadataUrl },
  });
  const runner = createGrantRunner({
    settings,
    log,
    store,
    memory,
    discovery,
    external: undefined,
    clock: server.clock.now,
    emitSignIn: (event) => events.push(event.kind),
  });
  return { runner, memory, context, events, lines };
}

Deno.test("grant runner: a refresh persists the new token and remembers how it was obtained", async () => {
  await using server = await startGuardedServer();
  const { runner, memory, context } = await createSignedInRunner(server);
  const before = readStoredAuth(memory.values);
  const token = await runner.refresh(context, before);
  assert.ok(token);
  assert.notEqual(token, before.accessToken);
  assert.equal(readStoredAuth(memory.values).accessToken, token);
  assert.equal(memory.obtained.get(token!)?.how, "refresh");
  assert.equal(memory.refreshFailure, undefined);
});

Deno.test("grant runner: invalid_grant clears the tokens and keeps the registration", async () => {
  await using server = await startGuardedServer();
  const { runner, memory, context, lines } = await createSignedInRunner(server);
  const before = readStoredAuth(memory.values);
  server.auth.revokeRefreshTokens();
  assert.equal(await runner.refresh(context, before), undefined);
  const after = readStoredAuth(memory.values);
  assert.equal(after.accessToken, undefined);
  assert.equal(after.refreshToken, undefined);
  assert.ok(before.clientId);
  assert.equal(after.clientId, before.clientId, "the registration is kept");
  assert.ok(lines.some((l) => l.includes('authorization server answered "invalid_grant"')));
});

Deno.test("grant runner: a browser sign-in is announced while it runs and persisted", async () => {
  await using server = await startGuardedServer();
  const { runner, memory, context, events } = await createSignedInRunner(server);
  const token = await runner.signInWithUser(context, { stored: readStoredAuth(memory.values) });
  assert.deepEqual(events, ["started", "finished"]);
  assert.equal(readStoredAuth(memory.values).accessToken, token);
  assert.equal(memory.obtained.get(token)?.how, "sign-in");
  assert.equal(server.auth.tokenCounts.authorization_code, 2);
});

Deno.test("grant runner: the same authorization server is no reason to drop anything", async () => {
  await using server = await startGuardedServer();
  const { runner, memory } = await createSignedInRunner(server);
  const before = { ...memory.values };
  assert.equal(await runner.dropIfServerMoved(readStoredAuth(memory.values)), false);
  assert.deepEqual(memory.values, before);
});
