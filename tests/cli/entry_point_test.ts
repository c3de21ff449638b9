import assert from "node:assert/strict";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { echoSessionInput, readEchoSessionOutput } from "../support/bridge_process.ts";
import { LAZY_IMPORTS_FLAG } from "../support/bundle.ts";
import {
  COMPILE_PERMISSION_ARGS,
  DENO_JSON,
  runDeno,
  runMain,
  START_TASK_FLAGS,
} from "../support/main_process.ts";
import { PROGRAM_VERSION } from "../../lib/constants.ts";

Deno.test("start and compile tasks use the same permission set and V8 flags", () => {
  assert.deepEqual(COMPILE_PERMISSION_ARGS, ["-P=bridge", "--v8-flags=--max-semi-space-size=8"]);
  for (const arg of COMPILE_PERMISSION_ARGS) assert.ok(DENO_JSON.tasks.start.includes(arg));
  assert.ok(DENO_JSON.tasks.start.includes(LAZY_IMPORTS_FLAG), "modules load when imported");
  assert.ok(DENO_JSON.permissions.bridge, "deno.json declares the bridge permission set");
});

Deno.test("program version matches deno.json", () => {
  assert.equal(PROGRAM_VERSION, DENO_JSON.version);
});

Deno.test("--version prints the version and exits 0", async () => {
  const result = await runMain(["--version"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, `mcp-streamablehttp-client ${PROGRAM_VERSION}\n`);
  assert.equal(result.stderr, "");
});

Deno.test("an unknown flag is a usage error with exit code 2 and a hint", async () => {
  const result = await runMain(["--list-tool"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Unknown flag: "--list-tool"/);
  assert.match(result.stderr, /Did you mean "--list-tools"\?/);
});

Deno.test("a missing server URL is a configuration error with exit code 3", async () => {
  const result = await runMain(["--list-tools"]);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /No server URL configured/);
});

Deno.test("deno task start's flags run the sources: --version, and proxy mode loading its modules on first import", async () => {
  const words: string[] = DENO_JSON.tasks.start.split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const args = ["run", "--config", config, ...START_TASK_FLAGS, main];
  const version = await runDeno([...args, "--version"]);
  assert.equal(version.stdout, `mcp-streamablehttp-client ${PROGRAM_VERSION}\n`, version.stderr);

  await using server = await startMcpServer();
  const proxy = await runDeno(args, {
    env: { MCP_SERVER_URL: server.url.href },
    stdin: echoSessionInput("lazy"),
  });
  assert.equal(proxy.code, 0, proxy.stderr);
  readEchoSessionOutput(proxy.stdout, "lazy");
});
