import assert from "node:assert/strict";
import {
  buildAuthorizationUrl,
  buildRegistrationMetadata,
  chooseAuthMethod,
  chooseRegistrationAuthMethod,
  requirePkceS256,
} from "../../lib/oauth/authorize.ts";
import {
  formatBrowserCommand,
  platformOpeners,
  validateAuthorizationUrl,
} from "../../lib/oauth/browser.ts";
import { CALLBACK_PORT_BASE, CALLBACK_PORT_SPAN } from "../../lib/constants.ts";
import {
  defaultCallbackPort,
  parseRedirectPort,
  startCallbackServer,
} from "../../lib/oauth/loopback.ts";
import { toOAuthBridgeError } from "../../lib/oauth/oauth_errors.ts";
import { selectScope, unionScopes } from "../../lib/oauth/scope.ts";
import {
  formatTokenChanges,
  formatTokenPrefix,
  isExpiring,
  readStoredAuth,
} from "../../lib/oauth/token_state.ts";

Deno.test("scope: override, then challenge, then scopes_supported, else omitted", () => {
  assert.equal(selectScope({ override: "x", challenge: "y", supported: ["z"] }), "x");
  assert.equal(selectScope({ challenge: "y  y w", supported: ["z"] }), "y w");
  assert.equal(selectScope({ supported: ["a", "b"] }), "a b");
  assert.equal(selectScope({}), undefined);
  assert.equal(unionScopes("a b", "b c", undefined), "a b c");
  assert.equal(unionScopes(undefined), undefined);
});

Deno.test("token state: absolute expiry, rotation and refresh margin", () => {
  const changes = formatTokenChanges(
    { access_token: "at", refresh_token: "rt2", expires_in: 60 },
    { now: Date.UTC(2030, 0, 1), requestedScope: "s", isRefresh: true },
  );
  assert.deepEqual(changes, {
    MCP_CLIENT_ACCESS_TOKEN: "at",
    MCP_CLIENT_TOKEN_EXPIRES_AT: "2030-01-01T00:01:00.000Z",
    MCP_CLIENT_SCOPE_GRANTED: "s",
    MCP_CLIENT_REFRESH_TOKEN: "rt2",
  });
  // A refresh answer without refresh_token keeps the old one; a new grant removes it.
  assert.ok(
    !("MCP_CLIENT_REFRESH_TOKEN" in formatTokenChanges(
      { access_token: "a" },
      { now: 0, isRefresh: true },
    )),
  );
  assert.equal(
    formatTokenChanges({ access_token: "a" }, { now: 0, isRefresh: false })
      .MCP_CLIENT_REFRESH_TOKEN,
    undefined,
  );
  const stored = readStoredAuth({
    MCP_CLIENT_ACCESS_TOKEN: "Bearer abc",
    MCP_CLIENT_TOKEN_EXPIRES_AT: "2030-01-01T00:01:00.000Z",
    MCP_CLIENT_AUTH_METHOD: "bogus",
  });
  assert.equal(stored.accessToken, "abc");
  assert.equal(stored.authMethod, undefined);
  assert.equal(isExpiring(stored, Date.UTC(2030, 0, 1), 59_000), false);
  assert.equal(isExpiring(stored, Date.UTC(2030, 0, 1), 60_000), true);
  assert.equal(formatTokenPrefix("abcdefghijklmnopqrstuvwxyz"), "abcdef…");
});

Deno.test("authorization URL carries PKCE, state, scope and resource", () => {
  const url = buildAuthorizationUrl(new URL("https://as.example/authorize?tenant=1#x"), {
    clientId: "c",
    redirectUri: "http://127.0.0.1:5/callback",
    codeChallenge: "ch",
    state: "st",
    scope: "a b",
    resource: "https://mcp.example/mcp",
  });
  assert.equal(
    url.href,
    "https://as.example/authorize?tenant=1&response_type=code&client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback&code_challenge=ch&code_challenge_method=S256&state=st&scope=a+b&resource=https%3A%2F%2Fmcp.example%2Fmcp",
  );
  assert.throws(() => requirePkceS256({ code_challenge_methods_supported: ["plain"] }), /S256/);
  requirePkceS256({ code_challenge_methods_supported: ["plain", "S256"] });
});

Deno.test("token endpoint auth method choice", () => {
  assert.equal(chooseAuthMethod({}, true), "client_secret_basic");
  assert.equal(chooseAuthMethod({}, false), "none");
  assert.equal(
    chooseAuthMethod({ token_endpoint_auth_methods_supported: ["client_secret_post"] }, true),
    "client_secret_post",
  );
  assert.equal(
    chooseRegistrationAuthMethod({
      token_endpoint_auth_methods_supported: ["client_secret_post", "none"],
    }),
    "none",
  );
  assert.equal(chooseRegistrationAuthMethod({}), "client_secret_basic");
  const metadata = buildRegistrationMetadata({
    redirectUri: "http://127.0.0.1:1/callback",
    authMethod: "none",
  });
  assert.equal(metadata.application_type, "native");
  assert.deepEqual(metadata.grant_types, ["authorization_code", "refresh_token"]);
});

Deno.test("authorization URLs other than http(s) are refused", () => {
  for (
    const bad of ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "vbscript:x"]
  ) {
    assert.throws(() => validateAuthorizationUrl(bad, false), /forbidden scheme/);
  }
  assert.throws(() => validateAuthorizationUrl("http://as.example/a", false), /plain HTTP/);
  assert.throws(() => validateAuthorizationUrl(42, false), /missing/);
  validateAuthorizationUrl("http://127.0.0.1:9/authorize", false);
  validateAuthorizationUrl("http://as.example/a", true);
});

Deno.test("$BROWSER is split on whitespace; %s is replaced", () => {
  assert.deepEqual(formatBrowserCommand("firefox", "u"), ["firefox", ["u"]]);
  assert.deepEqual(formatBrowserCommand(" deno  run -A ua.ts ", "u"), ["deno", [
    "run",
    "-A",
    "ua.ts",
    "u",
  ]]);
  assert.deepEqual(formatBrowserCommand("b --url=%s --x", "u"), ["b", ["--url=u", "--x"]]);
  assert.deepEqual(platformOpeners("windows", "u"), [["rundll32", [
    "url.dll,FileProtocolHandler",
    "u",
  ]]]);
  assert.deepEqual(platformOpeners("darwin", "u"), [["open", ["u"]]]);
  assert.deepEqual(platformOpeners("linux", "u").map(([program]) => program), [
    "xdg-open",
    "gio",
    "sensible-browser",
    "x-www-browser",
    "wslview",
  ]);
  assert.deepEqual(platformOpeners("linux", "u")[1], ["gio", ["open", "u"]]);
  assert.equal(platformOpeners("linux", "u", { WSL_DISTRO_NAME: "Ubuntu" })[0][0], "wslview");
});

Deno.test("the callback port is stable per server and in range", async () => {
  const a = await defaultCallbackPort(new URL("https://Example.com/mcp/"));
  assert.equal(a, await defaultCallbackPort(new URL("https://example.com/mcp")));
  assert.ok(a >= CALLBACK_PORT_BASE && a < CALLBACK_PORT_BASE + CALLBACK_PORT_SPAN);
  assert.notEqual(a, await defaultCallbackPort(new URL("https://example.com/other")));
  assert.equal(parseRedirectPort("http://127.0.0.1:4321/callback"), 4321);
  assert.equal(parseRedirectPort("https://x.example/callback"), undefined);
});

Deno.test("the callback server accepts one valid callback and closes", async () => {
  await using server = startCallbackServer({ port: 0, state: "s1" });
  const base = `http://127.0.0.1:${server.port}`;
  const other = await fetch(`${base}/elsewhere`);
  assert.equal(other.status, 404);
  await other.body?.cancel();
  const wrong = await fetch(`${base}/callback?state=nope&code=x`);
  assert.equal(wrong.status, 400);
  await wrong.body?.cancel();
  const right = await fetch(`${base}/callback?state=s1&code=abc`);
  assert.equal(right.status, 200);
  assert.match(await right.text(), /close this window/);
  const url = await server.callback;
  assert.equal(url.searchParams.get("code"), "abc");
  const again = await fetch(`${base}/callback?state=s1&code=abc`);
  assert.equal(again.status, 410);
  await again.body?.cancel();
});

Deno.test("a busy callback port is a clear configuration error", async () => {
  await using first = startCallbackServer({ port: 0, state: "a" });
  assert.throws(() => startCallbackServer({ port: first.port, state: "b" }), /is in use/);
});

Deno.test("oauth4webapi errors become safe BridgeErrors without their cause", () => {
  const body = Object.assign(new Error("server responded with an error in the response body"), {
    name: "ResponseBodyError",
    error: "invalid_grant",
    status: 400,
    cause: { refresh_token: "secret-value" },
  });
  const converted = toOAuthBridgeError(body, "refresh access token");
  assert.equal(
    converted.message,
    'Cannot refresh access token: authorization server answered "invalid_grant"',
  );
  assert.equal(converted.cause, undefined);
  assert.equal(converted.details?.oauthError, "invalid_grant");
  assert.ok(!JSON.stringify({ ...converted, message: converted.message }).includes("secret-value"));
  const transient = toOAuthBridgeError(
    Object.assign(new Error("x"), {
      name: "ResponseBodyError",
      error: "temporarily_unavailable",
      status: 503,
    }),
    "refresh access token",
  );
  assert.equal(transient.kind, "unreachable");
  assert.equal(toOAuthBridgeError(new TypeError("fetch failed"), "x").kind, "unreachable");
});
