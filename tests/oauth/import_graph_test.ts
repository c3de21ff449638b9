/**
 * The layout's dependency rules, checked mechanically on the graph `deno info` reports (static,
 * dynamic and type-only imports alike): nothing outside lib/cli/ imports from it, and lib/ has no
 * import cycle.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const LIB = new URL("lib/", ROOT).href;
const CLI = new URL("lib/cli/", ROOT).href;

interface Dependency {
  code?: { specifier: string };
  type?: { specifier: string };
}

interface ModuleInfo {
  specifier: string;
  dependencies?: Dependency[];
}

async function libFiles(dir = new URL("lib/", ROOT)): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) files.push(...await libFiles(url));
    else if (entry.name.endsWith(".ts")) files.push(url.href);
  }
  return files;
}

async function info(entry: string): Promise<ModuleInfo[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout)).modules;
}

/** Every lib/ module (and main.ts) with the lib/ modules it imports in any way. */
async function importGraph(): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  const wanted = ["main.ts", ...await libFiles()];
  for (const entry of wanted) {
    const specifier = entry.startsWith("file:") ? entry : new URL(entry, ROOT).href;
    if (graph.has(specifier)) continue;
    for (const module of await info(specifier)) {
      if (!module.specifier.startsWith(ROOT.href) || graph.has(module.specifier)) continue;
      const targets = new Set<string>();
      for (const dependency of module.dependencies ?? []) {
        for (const target of [dependency.code?.specifier, dependency.type?.specifier]) {
          if (target?.startsWith(LIB)) targets.add(target);
        }
      }
      graph.set(module.specifier, targets);
    }
  }
  return graph;
}

/** Strongly connected components with more than one module, or a module importing itself. */
function findCycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) cycles.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

const relative = (specifier: string) => specifier.slice(ROOT.href.length);
const graph = await importGraph();

Deno.test("import graph: nothing below lib/cli/ imports from it, type imports included", () => {
  const upward: string[] = [];
  for (const [from, targets] of graph) {
    if (!from.startsWith(LIB) || from.startsWith(CLI)) continue;
    for (const target of targets) {
      if (target.startsWith(CLI)) upward.push(`${relative(from)} -> ${relative(target)}`);
    }
  }
  assert.deepEqual(upward, []);
});

Deno.test("import graph: lib/ has no import cycle", () => {
  const cycles = findCycles(graph).map((cycle) => cycle.map(relative).sort().join(", "));
  assert.deepEqual(cycles, []);
});

Deno.test("import graph: the walk sees every lib module and type-only edges", () => {
  assert.ok(graph.size > 40, `only ${graph.size} modules`);
  // cli/context.ts imports the settings with `import type` only.
  assert.ok(
    graph.get(new URL("lib/cli/context.ts", ROOT).href)?.has(
      new URL("lib/config/settings.ts", ROOT).href,
    ),
  );
  const cyclic = new Map([["a", new Set(["b"])], ["b", new Set(["a"])], ["c", new Set(["c"])]]);
  assert.deepEqual(findCycles(cyclic).map((c) => c.sort()), [["a", "b"], ["c"]]);
});
