import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { callServer, createManager, findLeaks, startGuardedServer } from "./harness.ts";

Deno.test("first request signs in through DCR and the browser, then tokens are reused", async () => {
  await using server = await startGuardedServer({ auth: { scopesSupported: ["mcp:tools"] } });
  const { manager, lines } = await createManager(server);

  const result = await callServer(manager, server.mcp.url);
  assert.equal(result.status, 200);
  assert.equal(result.refusals, 1);
  assert.equal(server.auth.registrations, 1);
  assert.equal(server.auth.tokenCounts.authorization_code, 1);

  const [authorize] = server.auth.authorizeRequests;
  assert.equal(authorize.resource, server.mcp.url.href);
  assert.equal(authorize.scope, "mcp:tools");
  assert.match(authorize.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  const exchange = server.auth.tokenRequests.find((r) => r.grantType === "authorization_code");
  assert.equal(exchange?.resource, server.mcp.url.href);
  assert.equal(exchange?.clientAuth, "none");

  const state = { ...parseEnv(await Deno.readTextFile(`${server.dir}/state.env`)) };
  assert.equal(state.MCP_CLIENT_ACCESS_TOKEN, result.token);
  assert.ok(state.MCP_CLIENT_REFRESH_TOKEN);
  assert.ok(state.MCP_CLIENT_ID);
  assert.equal(state.MCP_CLIENT_ISSUER, server.auth.issuer.href);
  assert.equal(state.MCP_CLIENT_AUTH_METHOD, "none");
  assert.equal(state.MCP_CLIENT_RESOURCE, server.mcp.url.href);
  assert.equal(state.MCP_CLIENT_SCOPE_GRANTED, "mcp:tools");
  assert.ok(Date.parse(state.MCP_CLIENT_TOKEN_EXPIRES_AT!) > Date.now());
  assert.equal((await Deno.stat(`${server.dir}/state.env`)).mode! & 0o777, 0o600);

  // The authorization URL was printed; nothing secret was.
  assert.ok(lines.some((line) => line.startsWith(server.auth.origin + "/authorize?")));
  assert.deepEqual(findLeaks(lines.join("\n"), server.auth.secrets()), []);

  // A second manager (another process) uses the stored token without any new request.
  const second = await createManager(server);
  const again = await callServer(second.manager, server.mcp.url);
  assert.equal(again.status, 200);
  assert.equal(again.refusals, 0);
  assert.equal(server.auth.tokenCounts.authorization_code, 1);

  const status = await manager.status();
  assert.equal(status.hasRefreshToken, true);
  assert.equal(status.issuer, server.auth.issuer.href);
  assert.ok(status.accessTokenPrefix && !result.token!.startsWith(status.accessTokenPrefix + "x"));
});

Deno.test("a stored token narrower than --scope leads to a sign-in for the wider scope", async () => {
  await using server = await startGuardedServer({
    auth: { scopesSupported: ["mcp:tools", "mcp:admin"] },
  });
  const first = await createManager(server, { flags: { scope: "mcp:tools" } });
  assert.equal((await callServer(first.manager, server.mcp.url)).status, 200);
  assert.equal(server.auth.tokenCounts.authorization_code, 1);

  // Same scope: the stored token is reused.
  const same = await createManager(server, { flags: { scope: "mcp:tools" } });
  assert.equal((await callServer(same.manager, server.mcp.url)).status, 200);
  assert.equal(server.auth.tokenCounts.authorization_code, 1);

  // Wider scope: no silent reuse, no refresh (it cannot widen), a sign-in asking for it.
  const wider = await createManager(server, { flags: { scope: "mcp:tools mcp:admin" } });
  assert.equal((await callServer(wider.manager, server.mcp.url)).status, 200);
  assert.equal(server.auth.tokenCounts.authorization_code, 2);
  assert.equal(server.auth.tokenCounts.refresh_token ?? 0, 0);
  assert.equal(server.auth.authorizeRequests.at(-1)?.scope, "mcp:tools mcp:admin");
  const state = { ...parseEnv(await Deno.readTextFile(`${server.dir}/state.env`)) };
  assert.equal(state.MCP_CLIENT_SCOPE_GRANTED, "mcp:tools mcp:admin");
});
