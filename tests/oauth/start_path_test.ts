import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

interface ModuleInfo {
  specifier: string;
  dependencies?: Array<{ code?: { specifier: string }; isDynamic?: boolean }>;
}

/** The modules `entry` loads through static imports only (type-only imports excluded). */
async function staticClosure(entry: string): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(output.code, 0);
  const info: { roots: string[]; modules: ModuleInfo[] } = JSON.parse(
    new TextDecoder().decode(output.stdout),
  );
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...info.roots];
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) queue.push(dep.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("the start path does not load oauth4webapi; the flows load it on demand", async () => {
  for (const entry of ["main.ts", "lib/oauth/provider.ts", "lib/cli/main.ts"]) {
    const closure = await staticClosure(entry);
    assert.deepEqual(closure.filter((s) => s.includes("oauth4webapi")), [], entry);
    assert.ok(!closure.some((s) => s.endsWith("/lib/oauth/flows.ts")), entry);
  }
  const flows = await staticClosure("lib/oauth/flows.ts");
  assert.ok(flows.some((s) => s.includes("oauth4webapi")));
});
