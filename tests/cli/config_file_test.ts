/**
 * The configuration file (`--server NAME`, `--config FILE`, `MCP_CLIENT_CONFIG`, the default
 * location) and its place in the settings order, by spawning the program against fixture
 * servers; plus `MCP_DEBUG=1` and `--log-file`.
 */

import assert from "node:assert/strict";
import { type McpServerFixture, startMcpServer } from "../fixtures/mcp_server.ts";
import { createTempDir, runMain } from "../support/main_process.ts";

const TOKEN = "config-file-token-5f1e2d";

function writeConfig(servers: Record<string, unknown>, dir = createTempDir()): string {
  const path = `${dir}/servers.json`;
  Deno.writeTextFileSync(path, JSON.stringify({ servers }, null, 2));
  return path;
}

function lastPost(server: McpServerFixture) {
  const posts = server.requests.filter((request) => request.method === "POST");
  assert.ok(posts.length > 0, "the server was contacted");
  return posts[posts.length - 1];
}

Deno.test("--server NAME takes url, headers, token and scope from --config FILE", async () => {
  await using server = await startMcpServer({ verifyToken: (token) => token === TOKEN });
  const config = writeConfig({
    docs: {
      url: server.url.href,
      headers: { "X-Team": "platform", "X-Secret": "${TEAM_SECRET}" },
      token: "Bearer ${DOCS_TOKEN}",
      scope: "docs:read",
    },
    other: { url: "https://other.example.com/mcp" },
  });
  const result = await runMain(["--config", config, "--server", "docs", "--list-tools"], {
    env: { DOCS_TOKEN: TOKEN, TEAM_SECRET: "s3" },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Tools \(\d+\)/);
  const request = lastPost(server);
  assert.equal(request.headers["x-team"], "platform");
  assert.equal(request.headers["x-secret"], "s3");
  assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
});

Deno.test("the config file is found at MCP_CLIENT_CONFIG, else in the config directory", async () => {
  await using server = await startMcpServer();
  const viaEnv = writeConfig({ docs: { url: server.url.href } });
  const first = await runMain(["--server", "docs", "--list-tools"], {
    env: { MCP_CLIENT_CONFIG: viaEnv },
  });
  assert.equal(first.code, 0, first.stderr);

  const configHome = createTempDir("mcp-shc-xdg-");
  Deno.mkdirSync(`${configHome}/mcp-streamablehttp-client`);
  writeConfig({ docs: { url: server.url.href } }, `${configHome}/mcp-streamablehttp-client`);
  const second = await runMain(["--server", "docs", "--list-tools"], {
    env: { XDG_CONFIG_HOME: configHome },
  });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(server.requestsFor("initialize").length, 2);
});

Deno.test("settings order: flag > environment > config file > state file", async () => {
  await using fromFlag = await startMcpServer();
  await using fromEnv = await startMcpServer();
  await using fromConfig = await startMcpServer();
  const config = writeConfig({ docs: { url: fromConfig.url.href, token: "token-from-config" } });
  const stateFile = `${createTempDir()}/state.env`;
  Deno.writeTextFileSync(
    stateFile,
    `MCP_SERVER_URL=${fromFlag.url.href}\nMCP_CLIENT_ACCESS_TOKEN=token-from-state\n`,
  );
  const base = ["--config", config, "--server", "docs", "--env-file", stateFile, "--list-tools"];

  assert.equal((await runMain(base)).code, 0);
  assert.equal(fromConfig.requests.length > 0, true, "the config file beats the state file");
  assert.equal(lastPost(fromConfig).headers.authorization, "Bearer token-from-config");

  const env = { MCP_SERVER_URL: fromEnv.url.href, MCP_CLIENT_ACCESS_TOKEN: "token-from-env" };
  assert.equal((await runMain(base, { env })).code, 0);
  assert.equal(lastPost(fromEnv).headers.authorization, "Bearer token-from-env");

  assert.equal((await runMain([...base, "--server-url", fromFlag.url.href], { env })).code, 0);
  assert.ok(fromFlag.requests.length > 0, "the flag beats everything");
});

Deno.test("config file problems are configuration errors with a hint", async () => {
  const config = writeConfig({ docs: { url: "https://docs.example.com/mcp" } });
  const unknown = await runMain(["--config", config, "--server", "doc", "--list-tools"]);
  assert.equal(unknown.code, 3);
  assert.equal(unknown.stdout, "");
  assert.match(unknown.stderr, /Error: Unknown server "doc" in config file ".*servers\.json"/);
  assert.match(unknown.stderr, /Hint: Servers in the file: "docs"/);

  const missing = await runMain(["--config", "/nonexistent/servers.json", "--server", "docs"]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /Config file not found: "\/nonexistent\/servers\.json"/);

  const dir = createTempDir();
  Deno.writeTextFileSync(`${dir}/broken.json`, '{"servers": {');
  const broken = await runMain(["--config", `${dir}/broken.json`, "--server", "docs"]);
  assert.equal(broken.code, 3);
  assert.match(broken.stderr, /Invalid config file ".*broken\.json": /);

  const typo = writeConfig({ docs: { url: "https://docs.example.com/mcp", scopes: "a" } });
  const misspelt = await runMain(["--config", typo, "--server", "docs"]);
  assert.equal(misspelt.code, 3);
  assert.match(misspelt.stderr, /server "docs" has an unknown key "scopes"/);

  const alone = await runMain(["--config", config, "--list-tools"]);
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /Flag --config needs --server NAME/);
});

Deno.test("MCP_DEBUG=1 logs at DEBUG; --log-file appends the same redacted lines, mode 0600", async () => {
  await using server = await startMcpServer({ verifyToken: (token) => token === TOKEN });
  const logFile = `${createTempDir()}/bridge.log`;
  Deno.writeTextFileSync(logFile, "earlier line\n", { mode: 0o644 });
  const result = await runMain(["--list-tools", "--log-file", logFile], {
    env: { MCP_SERVER_URL: server.url.href, MCP_CLIENT_ACCESS_TOKEN: TOKEN, MCP_DEBUG: "1" },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /DEBUG/);
  assert.ok(!result.stderr.includes(TOKEN), "the token never reaches stderr");
  const logged = Deno.readTextFileSync(logFile);
  assert.ok(logged.startsWith("earlier line\n"), "the file is appended to");
  const lines = logged.trimEnd().split("\n").slice(1);
  const stderrLines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, stderrLines.length);
  for (const [i, line] of lines.entries()) {
    assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[\d+\] /);
    assert.equal(line.replace(/^\S+ \[\d+\] /, ""), stderrLines[i]);
  }
  assert.ok(!logged.includes(TOKEN), "the token never reaches the log file");
  if (Deno.build.os !== "windows") assert.equal(Deno.statSync(logFile).mode! & 0o777, 0o600);

  const quiet = await runMain(["--list-tools", "--log-level", "ERROR"], {
    env: { MCP_SERVER_URL: server.url.href, MCP_CLIENT_ACCESS_TOKEN: TOKEN, MCP_DEBUG: "1" },
  });
  assert.equal(quiet.stderr, "", "--log-level beats MCP_DEBUG");
});
