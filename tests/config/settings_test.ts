import assert from "node:assert/strict";
import { resolveSettings, type SettingsFlags } from "../../lib/config/settings.ts";
import { BridgeError } from "../../lib/errors.ts";

const resolve = (
  flags: SettingsFlags,
  env: Record<string, string> = {},
  stateValues: Record<string, string> = {},
  cwdValues: Record<string, string> = {},
) => resolveSettings({ flags, env, stateFile: "/tmp/x.env", stateValues, cwdValues });

Deno.test("precedence: flag > process env > state .env > working-directory .env", () => {
  const all = { MCP_SERVER_URL: "https://env.example/mcp" };
  assert.equal(
    resolve({ "server-url": "https://flag.example/mcp" }, all).serverUrl.host,
    "flag.example",
  );
  assert.equal(
    resolve({}, all, { MCP_SERVER_URL: "https://state.example/mcp" }).serverUrl.host,
    "env.example",
  );
  assert.equal(
    resolve({}, {}, { MCP_SERVER_URL: "https://state.example/mcp" }, {
      MCP_SERVER_URL: "https://cwd.example/mcp",
    }).serverUrl.host,
    "state.example",
  );
  assert.equal(
    resolve({}, {}, {}, { MCP_SERVER_URL: "https://cwd.example/mcp" }).serverUrl.host,
    "cwd.example",
  );
});

Deno.test("plain HTTP is refused for remote hosts unless --allow-http; loopback is fine", () => {
  assert.throws(
    () => resolve({ "server-url": "http://remote.example/mcp" }),
    (e: unknown) => e instanceof BridgeError && e.kind === "config",
  );
  assert.equal(
    resolve({ "server-url": "http://remote.example/mcp", "allow-http": true }).allowHttp,
    true,
  );
  assert.equal(resolve({ "server-url": "http://127.0.0.1:9/mcp" }).serverUrl.port, "9");
  assert.equal(resolve({ "server-url": "http://localhost:9/mcp" }).serverUrl.hostname, "localhost");
});

Deno.test("the access token loses its Bearer prefix and remembers where it came from", () => {
  const fromEnv = resolve({ "server-url": "https://a.example" }, {
    MCP_CLIENT_ACCESS_TOKEN: "Bearer abc123",
  });
  assert.equal(fromEnv.accessToken, "abc123");
  assert.equal(fromEnv.accessTokenSource, "env");
  const fromState = resolve({ "server-url": "https://a.example" }, {}, {
    MCP_CLIENT_ACCESS_TOKEN: "xyz789",
  });
  assert.equal(fromState.accessToken, "xyz789");
  assert.equal(fromState.accessTokenSource, "state");
});

Deno.test("headers come from MCP_CLIENT_HEADERS lines and --header, with ${VAR} expanded", () => {
  const settings = resolve(
    { "server-url": "https://a.example", header: ["X-Two: b c"] },
    { MCP_CLIENT_HEADERS: "X-One: ${TEAM} value\nX-Three:3", TEAM: "blue" },
  );
  assert.deepEqual(settings.headers, [["X-One", "blue value"], ["X-Three", "3"], ["X-Two", "b c"]]);
});

Deno.test("timeouts are seconds on the command line and milliseconds inside", () => {
  assert.equal(resolve({ "server-url": "https://a.example", timeout: "2.5" }).timeoutMs, 2500);
  assert.equal(resolve({ "server-url": "https://a.example" }).timeoutMs, 60_000);
  assert.throws(() => resolve({ "server-url": "https://a.example", timeout: "soon" }), /timeout/);
  assert.equal(resolve({ "server-url": "https://a.example", verbose: true }).logLevel, "DEBUG");
});

Deno.test("the cookie jar is off unless --cookies or MCP_CLIENT_COOKIES asks for it", () => {
  const url = { "server-url": "https://a.example/mcp" };
  assert.equal(resolve(url).cookies, false);
  assert.equal(resolve({ ...url, cookies: true }).cookies, true);
  assert.equal(resolve(url, { MCP_CLIENT_COOKIES: "true" }).cookies, true);
});
