/**
 * The binary is compiled from the bundle (`deno task bundle`: an entry and the chunks it loads):
 * the bundle must hold the whole program, npm packages included, and behave like main.ts.
 */

import assert from "node:assert/strict";
import { startMcpServer } from "./fixtures/mcp_server.ts";
import { echoSessionInput, readEchoSessionOutput } from "./support/bridge_process.ts";
import { buildBundle, bundleArgs, bundleCommand, expandPermissionSet } from "./support/bundle.ts";
import {
  COMPILE_PERMISSION_ARGS,
  createTempDir,
  DENO_JSON,
  runDeno,
} from "./support/main_process.ts";

const ROOT = new URL("../", import.meta.url);
const tasks = DENO_JSON.tasks;

const bundle = await buildBundle();

function runBundle(args: string[], env: Record<string, string>, stdin = "") {
  // --cached-only: a package missing from the bundle would fail to load from the empty cache.
  return runDeno(["run", "--cached-only", ...bundleArgs(bundle, args).slice(1)], { env, stdin });
}

Deno.test("the compile task compiles the bundle task's entry", () => {
  const words = bundleCommand(tasks.bundle, "OUT");
  assert.equal(words[words.indexOf("--outdir") + 1], "OUT");
  const taskWords = tasks.bundle.split(/\s+/);
  const outdir = taskWords[taskWords.indexOf("--outdir") + 1];
  assert.match(tasks.compile, /^deno task bundle && deno compile /);
  assert.equal(tasks.compile.split(/\s+/).at(-1), `${outdir}/main.js`);
  assert.match(tasks.bundle, /--frozen-lockfile/);
  assert.equal(taskWords.at(-1), "main.ts");
});

Deno.test("the bundle runs without deno.json, with the compile task's permission set as flags", () => {
  const permissions = DENO_JSON.permissions;
  const flags = expandPermissionSet(COMPILE_PERMISSION_ARGS, permissions);
  const set = COMPILE_PERMISSION_ARGS.find((flag) => flag.startsWith("-P="))!.slice(3);
  assert.deepEqual(
    flags.filter((flag) => flag.startsWith("--allow-")).sort(),
    Object.keys(permissions[set]).map((kind) => `--allow-${kind}`).sort(),
  );
  assert.ok(flags.every((flag) => !flag.startsWith("-P")), "no permission set is left to look up");
  const args = bundleArgs("main.js", []);
  assert.ok(args.includes("--no-config") && !args.includes("--config"), args.join(" "));
  assert.deepEqual(
    expandPermissionSet(["-P=x", "--v8-flags=--a"], { x: { net: ["a.example", "b.example"] } }),
    ["--allow-net=a.example,b.example", "--v8-flags=--a"],
  );
  assert.throws(() => expandPermissionSet(["-P=missing"], {}), /no permission set "missing"/);
});

Deno.test("the bundle needs no package at run time: --version from an empty Deno cache", async () => {
  const result = await runBundle(["--version"], {
    DENO_DIR: createTempDir("mcp-shc-deno-dir-"),
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^mcp-streamablehttp-client \d+\.\d+\.\d+/);
  const dir = bundle.slice(0, bundle.lastIndexOf("/"));
  for (const entry of Deno.readDirSync(dir)) {
    const text = await Deno.readTextFile(`${dir}/${entry.name}`);
    assert.doesNotMatch(text, /from "npm:|import\("npm:/, `${entry.name} imports no npm package`);
  }
});

Deno.test("the bundle relays a session like main.ts: initialize, then a tool call", async () => {
  await using server = await startMcpServer();
  const result = await runBundle([], {
    DENO_DIR: createTempDir("mcp-shc-deno-dir-"),
    MCP_SERVER_URL: server.url.href,
  }, echoSessionInput("bundled"));
  assert.equal(result.code, 0, result.stderr);
  const answers = readEchoSessionOutput(result.stdout, "bundled");
  assert.equal((answers[0].result?.serverInfo as { name?: string }).name, "fixture-mcp-server");
});

Deno.test("the release workflow and the Dockerfile compile the bundle with the compile task's flags", () => {
  for (const path of [".github/workflows/release.yml", "Dockerfile"]) {
    const text = Deno.readTextFileSync(new URL(path, ROOT));
    assert.match(text, /deno task bundle/, path);
    assert.match(text, /dist\/bundle\/main\.js/, path);
    for (const flag of COMPILE_PERMISSION_ARGS) assert.ok(text.includes(flag), `${path}: ${flag}`);
  }
});
