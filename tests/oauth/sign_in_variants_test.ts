import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { BridgeError } from "../../lib/errors.ts";
import { callServer, createManager, findLeaks, startGuardedServer } from "./harness.ts";

async function readState(path: string): Promise<Record<string, string>> {
  return { ...parseEnv(await Deno.readTextFile(path)) } as Record<string, string>;
}

function isAuthFailure(pattern: RegExp) {
  return (error: unknown) =>
    error instanceof BridgeError && error.kind === "auth_failed" && pattern.test(error.message);
}

Deno.test("an authorization server without PKCE S256 is refused before any browser", async () => {
  await using server = await startGuardedServer({
    auth: { metadata: { code_challenge_methods_supported: null } },
  });
  const log = `${server.dir}/agent.log`;
  const { manager, lines } = await createManager(server, { env: { USER_AGENT_LOG: log } });
  await assert.rejects(callServer(manager, server.mcp.url), isAuthFailure(/PKCE with S256/));
  assert.equal(server.auth.registrations, 0);
  assert.equal(server.auth.authorizeRequests.length, 0);
  await assert.rejects(Deno.stat(log), Deno.errors.NotFound);
  assert.ok(!lines.some((l) => l.includes("/authorize?")));
});

Deno.test("a javascript: authorization endpoint is refused", async () => {
  await using server = await startGuardedServer({
    auth: { metadata: { authorization_endpoint: "javascript:alert(1)" } },
  });
  const { manager } = await createManager(server);
  await assert.rejects(callServer(manager, server.mcp.url), isAuthFailure(/forbidden scheme/));
  assert.equal(server.auth.registrations, 0);
});

Deno.test("--no-resource omits the resource parameter everywhere", async () => {
  await using server = await startGuardedServer({ auth: { accessTokenLifetime: 2 } });
  const { manager } = await createManager(server, { flags: { "no-resource": true } });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.equal(await manager.ensureToken({ forceRefresh: true }).then(() => true), true);
  assert.equal(server.auth.authorizeRequests[0].resource, undefined);
  assert.ok(server.auth.tokenRequests.every((r) => r.resource === undefined));
  assert.equal(server.auth.tokenCounts.refresh_token, 1);
});

Deno.test("--scope overrides the scope from the challenge and metadata", async () => {
  await using server = await startGuardedServer({
    auth: { scopesSupported: ["a", "b"] },
    mcp: { challengeScope: "a" },
  });
  const { manager } = await createManager(server, { flags: { scope: "custom other" } });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.equal(server.auth.authorizeRequests[0].scope, "custom other");
});

Deno.test("the challenge scope wins over scopes_supported", async () => {
  await using server = await startGuardedServer({
    auth: { scopesSupported: ["a", "b"] },
    mcp: { challengeScope: "b" },
  });
  const { manager } = await createManager(server);
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.equal(server.auth.authorizeRequests[0].scope, "b");
});

Deno.test("403 insufficient_scope steps up with the union of scopes, 3 sign-ins at most", async () => {
  await using server = await startGuardedServer({
    auth: { scopesSupported: ["read"] },
    mcp: { challengeScope: "write" },
    requiredScopes: ["read", "write"],
  });
  const { manager } = await createManager(server, { flags: { scope: "read" } });
  const result = await callServer(manager, server.mcp.url);
  assert.equal(result.status, 200);
  assert.deepEqual(server.auth.authorizeRequests.map((r) => r.scope), ["read", "read write"]);

  // A server that always wants more is given up on after 3 sign-ins in all (MCP conformance
  // `auth/scope-retry-limit`): the first plus 2 step-ups.
  await using greedy = await startGuardedServer({
    mcp: { challengeScope: "x" },
    requiredScopes: ["never-granted"],
  });
  const second = await createManager(greedy);
  await assert.rejects(
    callServer(second.manager, greedy.mcp.url, 20),
    isAuthFailure(/insufficient_scope/),
  );
  assert.equal(greedy.auth.authorizeRequests.length, 3, "one sign-in plus 2 step-ups");
  assert.equal(greedy.auth.authorizeRequests.at(-1)?.scope, "x");
});

Deno.test("a pre-registered confidential client authenticates with client_secret_basic", async () => {
  await using server = await startGuardedServer({
    auth: {
      clients: [{ client_id: "pre-client", client_secret: "pre-secret-123456", redirect_uris: [] }],
      accessTokenLifetime: 2,
    },
  });
  const client = server.auth.clients.get("pre-client")!;
  const { manager, lines } = await createManager(server, {
    env: { MCP_CLIENT_ID: "pre-client", MCP_CLIENT_SECRET: "pre-secret-123456" },
  });
  // Loopback redirect URIs match on any port (RFC 8252 §7.3).
  client.redirect_uris = ["http://127.0.0.1:1/callback"];
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  await manager.ensureToken({ forceRefresh: true });
  assert.equal(server.auth.registrations, 0);
  assert.ok(server.auth.tokenRequests.every((r) => r.clientAuth === "basic"));
  assert.equal(server.auth.tokenRequests.length, 2);
  const state = await readState(`${server.dir}/state.env`);
  assert.equal(state.MCP_CLIENT_SECRET, undefined, "an external secret is not copied");
  assert.deepEqual(findLeaks(lines.join("\n"), ["pre-secret-123456"]), []);
});

Deno.test("client_secret_post is used when the server does not list basic", async () => {
  await using server = await startGuardedServer({
    auth: {
      clients: [{
        client_id: "post-client",
        client_secret: "post-secret-123456",
        redirect_uris: ["http://127.0.0.1:1/callback"],
      }],
      metadata: { token_endpoint_auth_methods_supported: ["client_secret_post", "none"] },
    },
  });
  const { manager } = await createManager(server, {
    env: { MCP_CLIENT_ID: "post-client", MCP_CLIENT_SECRET: "post-secret-123456" },
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.deepEqual(server.auth.tokenRequests.map((r) => r.clientAuth), ["post"]);
});

Deno.test("DCR registers a confidential client when the server does not allow none", async () => {
  await using server = await startGuardedServer({
    auth: { metadata: { token_endpoint_auth_methods_supported: ["client_secret_post"] } },
  });
  const { manager, lines } = await createManager(server);
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  const state = await readState(`${server.dir}/state.env`);
  assert.equal(state.MCP_CLIENT_AUTH_METHOD, "client_secret_post");
  assert.ok(state.MCP_CLIENT_SECRET);
  assert.deepEqual(server.auth.tokenRequests.map((r) => r.clientAuth), ["post"]);
  assert.deepEqual(findLeaks(lines.join("\n"), server.auth.secrets()), []);
});

Deno.test("a stored client of another authorization server is replaced by a new registration", async () => {
  await using server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  await Deno.writeTextFile(
    stateFile,
    "# mine\nMCP_CLIENT_ID=old-client\nMCP_CLIENT_ISSUER=https://other.example/\nKEEP=1\n",
  );
  const { manager } = await createManager(server, { stateFile });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  const state = await readState(stateFile);
  assert.notEqual(state.MCP_CLIENT_ID, "old-client");
  assert.equal(state.MCP_CLIENT_ISSUER, server.auth.issuer.href);
  assert.equal(state.KEEP, "1");
  assert.ok((await Deno.readTextFile(stateFile)).startsWith("# mine\n"));
  assert.equal(server.auth.registrations, 1);
});

Deno.test("--client-credentials obtains a token without a browser", async () => {
  await using server = await startGuardedServer({
    auth: { clients: [{ client_id: "machine", client_secret: "machine-secret-123456" }] },
  });
  const log = `${server.dir}/agent.log`;
  const { manager, lines } = await createManager(server, {
    flags: { "client-credentials": true },
    env: {
      MCP_CLIENT_ID: "machine",
      MCP_CLIENT_SECRET: "machine-secret-123456",
      USER_AGENT_LOG: log,
    },
    interactive: false,
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.deepEqual(server.auth.tokenCounts, { client_credentials: 1 });
  const [request] = server.auth.tokenRequests;
  assert.equal(request.clientAuth, "basic");
  assert.equal(request.resource, server.mcp.url.href);
  await assert.rejects(Deno.stat(log), Deno.errors.NotFound);
  assert.deepEqual(findLeaks(lines.join("\n"), server.auth.secrets()), []);
});

Deno.test("--client-credentials without a secret is a configuration error", async () => {
  await using server = await startGuardedServer();
  const { manager } = await createManager(server, {
    flags: { "client-credentials": true },
    env: { MCP_CLIENT_ID: "machine" },
  });
  await assert.rejects(
    callServer(manager, server.mcp.url),
    (error: unknown) => error instanceof BridgeError && error.kind === "config",
  );
});

Deno.test("a forged callback with the wrong state is ignored", async () => {
  await using server = await startGuardedServer();
  const log = `${server.dir}/agent.log`;
  const { manager } = await createManager(server, {
    env: { USER_AGENT_STATE: "forged", USER_AGENT_LOG: log },
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  const visited = await Deno.readTextFile(log);
  assert.match(visited, /forged 127\.0\.0\.1:\d+\/callback 400/);
  assert.match(visited, /127\.0\.0\.1:\d+\/callback 200/);
});

Deno.test("the sign-in times out when nobody completes it", async () => {
  await using server = await startGuardedServer();
  const { manager } = await createManager(server, {
    flags: { "auth-timeout": "0.5" },
    env: { BROWSER: "true" },
  });
  await assert.rejects(
    callServer(manager, server.mcp.url),
    (error: unknown) =>
      error instanceof BridgeError && error.kind === "auth_required" &&
      /did not finish within/.test(error.message),
  );
  // A second refusal right away does not open another browser window.
  await assert.rejects(manager.handleRefusal({ status: 401 }), /did not finish within/);
  assert.equal(server.auth.registrations, 1);
});

Deno.test("--client-metadata-url is the client id, without registration, when advertised", async () => {
  const metadataUrl = "https://client.example/mcp-client.json";
  await using server = await startGuardedServer({
    auth: {
      metadata: { client_id_metadata_document_supported: true },
      // The server resolved the document (as it would by fetching the URL) and knows the client.
      clients: [{
        client_id: metadataUrl,
        redirect_uris: ["http://127.0.0.1:1/callback"],
        token_endpoint_auth_method: "none",
      }],
    },
  });
  const { manager } = await createManager(server, {
    flags: { "client-metadata-url": metadataUrl },
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.equal(server.auth.registrations, 0);
  assert.equal(server.auth.authorizeRequests[0].clientId, metadataUrl);
  assert.deepEqual(
    server.auth.tokenRequests.map((r) => [r.clientId, r.clientAuth]),
    [[metadataUrl, "none"]],
  );
  const state = await readState(`${server.dir}/state.env`);
  assert.equal(state.MCP_CLIENT_ID, metadataUrl);
  assert.equal(state.MCP_CLIENT_AUTH_METHOD, "none");
  assert.equal(state.MCP_CLIENT_SECRET, undefined);
});

Deno.test("--client-metadata-url falls back to registration when not advertised", async () => {
  const metadataUrl = "https://client.example/mcp-client.json";
  await using server = await startGuardedServer();
  const { manager, lines } = await createManager(server, {
    flags: { "client-metadata-url": metadataUrl },
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.equal(server.auth.registrations, 1);
  assert.notEqual(server.auth.authorizeRequests[0].clientId, metadataUrl);
  const state = await readState(`${server.dir}/state.env`);
  assert.ok(state.MCP_CLIENT_ID && state.MCP_CLIENT_ID !== metadataUrl);
  assert.ok(lines.some((l) => l.includes("does not support client ID metadata documents")));
});
