/**
 * The runtime graph holds runtime dependencies only: deno.json (what `deno task start` and
 * `deno compile` use) maps and locks just the packages lib/ runs, so a fresh cache downloads only
 * those; the test and bench dependencies live in tests/deno.json with tests/deno.lock, which maps
 * the runtime packages to the very same versions.
 */

import assert from "node:assert/strict";
import { startMcpServer } from "./fixtures/mcp_server.ts";
import { initializeRequest } from "./support/bridge_process.ts";
import { baseEnv, createTempDir, mainArgs, runDeno } from "./support/main_process.ts";

const ROOT = new URL("../", import.meta.url);
const readJson = (path: string) => JSON.parse(Deno.readTextFileSync(new URL(path, ROOT)));

/** The packages the program itself runs; a new one must be added here on purpose. */
const RUNTIME_PACKAGES = ["eventsource-parser", "oauth4webapi"];

const packageOf = (specifier: string) => specifier.replace(/^npm:\/?/, "").replace(/@[^@/]*$/, "");

Deno.test("deno.json maps only the runtime packages, as tests/deno.json does", () => {
  const runtime: Record<string, string> = readJson("deno.json").imports;
  const dev: Record<string, string> = readJson("tests/deno.json").imports;
  assert.deepEqual(Object.keys(runtime).sort(), RUNTIME_PACKAGES);
  for (const [name, target] of Object.entries(runtime)) {
    assert.equal(dev[name], target, `tests/deno.json maps "${name}" like deno.json`);
  }
});

Deno.test("deno.lock locks only the runtime packages", () => {
  const lock = readJson("deno.lock");
  const specifiers = Object.keys(lock.specifiers ?? {}).map(packageOf).sort();
  assert.deepEqual(specifiers, RUNTIME_PACKAGES);
  const npm = Object.keys(lock.npm ?? {}).map((key) => key.replace(/@[^@]*$/, "")).sort();
  assert.deepEqual(npm, RUNTIME_PACKAGES);
});

Deno.test("tasks that need the test dependencies name tests/deno.json", () => {
  const tasks: Record<string, string> = readJson("deno.json").tasks;
  for (const name of ["test", "bench", "demo", "conformance"]) {
    assert.match(tasks[name], /--config tests\/deno\.json/, name);
  }
  assert.match(tasks.check, /deno check --config tests\/deno\.json/);
  // Type checking under deno.json would lock the SDK (types only) into the runtime graph.
  assert.match(tasks.compile, /--no-check/);
});

function copyTree(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const entry of Deno.readDirSync(from)) {
    if (entry.isDirectory) copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.isFile) Deno.copyFileSync(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

Deno.test("the program runs from a cache that holds only the runtime packages", async () => {
  // A Deno cache with nothing but the runtime packages, and --cached-only: any other package in
  // the runtime graph (proxy mode and the client modes included) would fail to load.
  const shared = baseEnv().DENO_DIR;
  const cache = createTempDir("mcp-shc-deno-dir-");
  for (const name of RUNTIME_PACKAGES) {
    copyTree(`${shared}/npm/registry.npmjs.org/${name}`, `${cache}/npm/registry.npmjs.org/${name}`);
  }
  await using server = await startMcpServer();
  const run = (args: string[], stdin = "") => {
    const [command, ...rest] = mainArgs(args);
    return runDeno([command, "--cached-only", ...rest], {
      env: { DENO_DIR: cache, MCP_SERVER_URL: server.url.href },
      stdin,
    });
  };
  const version = await run(["--version"]);
  assert.equal(version.code, 0, version.stderr);
  const tools = await run(["--list-tools"]);
  assert.equal(tools.code, 0, tools.stderr);
  assert.match(tools.stdout, /echo/);
  const initialize = JSON.stringify(initializeRequest(1, "2025-06-18"));
  const proxy = await run([], initialize + "\n");
  assert.equal(proxy.code, 0, proxy.stderr);
  assert.ok("result" in JSON.parse(proxy.stdout.split("\n")[0]), proxy.stdout);
});
