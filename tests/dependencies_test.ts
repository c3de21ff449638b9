/**
 * The runtime graph holds runtime dependencies only: deno.json (what `deno task start` and
 * `deno compile` use) maps and locks just the packages lib/ runs, so a fresh cache downloads only
 * those; the test and bench dependencies live in tests/deno.json with tests/deno.lock, which maps
 * the runtime packages to the very same versions.
 */

import assert from "node:assert/strict";

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
