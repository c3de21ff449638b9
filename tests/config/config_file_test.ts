import assert from "node:assert/strict";
import {
  configFilePath,
  entryValues,
  parseConfigFile,
  selectServer,
} from "../../lib/config/config_file.ts";
import { BridgeError } from "../../lib/errors.ts";

const isConfigError = (pattern: RegExp) => (error: unknown) =>
  error instanceof BridgeError && error.kind === "config" && pattern.test(error.message);

Deno.test("parseConfigFile reads the Python tool's servers map", () => {
  const servers = parseConfigFile(
    "servers.json",
    JSON.stringify({
      servers: {
        "mcp-fetch": { url: "https://mcp-fetch.example.com/mcp", token: "Bearer eyJ..." },
        docs: {
          url: "https://docs.example.com/mcp",
          headers: { "X-Team": "platform" },
          scope: "docs:read docs:write",
        },
      },
    }),
  );
  assert.deepEqual([...servers.keys()], ["mcp-fetch", "docs"]);
  assert.deepEqual(entryValues(servers.get("mcp-fetch")!), {
    MCP_SERVER_URL: "https://mcp-fetch.example.com/mcp",
    MCP_CLIENT_ACCESS_TOKEN: "Bearer eyJ...",
  });
  assert.deepEqual(entryValues(selectServer("servers.json", servers, "docs")), {
    MCP_SERVER_URL: "https://docs.example.com/mcp",
    MCP_CLIENT_HEADERS: "X-Team: platform",
    MCP_CLIENT_SCOPE: "docs:read docs:write",
  });
});

Deno.test("parseConfigFile refuses what it cannot use, naming the file and the server", () => {
  const cases: [string, RegExp][] = [
    ["[]", /has no "servers" object/],
    ['{"servers": []}', /has no "servers" object/],
    ['{"servers": {"a": "https://x"}}', /server "a" is not an object/],
    ['{"servers": {"a": {}}}', /server "a" has no "url"/],
    ['{"servers": {"a": {"url": "u", "token": 1}}}', /"token" of server "a" is not a string/],
    ['{"servers": {"a": {"url": "u", "headers": {"X": 1}}}}', /header "X" of server "a"/],
    ['{"servers": {"a": {"url": "u", "header": {}}}}', /unknown key "header"/],
    ['{"servers": ', /Invalid config file "f.json": /],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseConfigFile("f.json", text), isConfigError(pattern), text);
  }
  assert.throws(
    () => selectServer("f.json", new Map(), "docs"),
    isConfigError(/Unknown server "docs" in config file "f\.json"/),
  );
});

Deno.test("configFilePath: flag, then MCP_CLIENT_CONFIG, then the config directory", () => {
  assert.equal(configFilePath("a.json", { MCP_CLIENT_CONFIG: "b.json" }, "linux"), "a.json");
  assert.equal(configFilePath(undefined, { MCP_CLIENT_CONFIG: "b.json" }, "linux"), "b.json");
  assert.equal(
    configFilePath(undefined, { HOME: "/home/ada" }, "linux"),
    "/home/ada/.config/mcp-streamablehttp-client/servers.json",
  );
  assert.equal(
    configFilePath(undefined, { XDG_CONFIG_HOME: "/cfg", HOME: "/home/ada" }, "darwin"),
    "/cfg/mcp-streamablehttp-client/servers.json",
  );
  assert.equal(
    configFilePath(undefined, { APPDATA: "C:\\Users\\Ada\\AppData\\Roaming" }, "windows"),
    "C:\\Users\\Ada\\AppData\\Roaming\\mcp-streamablehttp-client\\servers.json",
  );
  assert.equal(configFilePath(undefined, {}, "linux"), undefined);
});
