/**
 * Builds the bundle that `deno task compile` compiles (the `bundle` task's own command, with its
 * output sent to a temporary directory) and spawns it with the compile task's permission set,
 * so tests and the bench run exactly what the binary holds.
 *
 * @module
 */

import { COMPILE_PERMISSION_ARGS, createTempDir, DENO_JSON } from "./main_process.ts";

const ROOT = new URL("../../", import.meta.url);

/** The `bundle` task's words after `deno`, with `--outdir` pointing at `outdir`. */
export function bundleCommand(task: string, outdir: string): string[] {
  const words = task.trim().split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "bundle") {
    throw new Error(`The bundle task does not run deno bundle: ${task}`);
  }
  const at = words.indexOf("--outdir");
  if (at < 0 || at + 1 >= words.length) {
    throw new Error(`The bundle task names no --outdir: ${task}`);
  }
  words[at + 1] = outdir;
  return words.slice(1);
}

/**
 * Runs the `bundle` task's command into a fresh temporary directory; returns the path of the
 * bundle's entry (`main.js`, beside the chunks it loads when a mode needs them).
 */
export async function buildBundle(): Promise<string> {
  const tasks = DENO_JSON.tasks;
  const outdir = createTempDir("mcp-shc-bundle-");
  const result = await new Deno.Command(Deno.execPath(), {
    args: bundleCommand(tasks.bundle, outdir),
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(result.stderr)}`);
  }
  return `${outdir}/main.js`;
}

/**
 * The `deno run` flag that loads a chunk when its `import()` runs, as the binary does: the binary
 * holds its modules and loads each on first import, while a plain `deno run` reads and analyses
 * every chunk the entry's `import()` calls name before the first line runs (about 3 ms here).
 */
export const LAZY_IMPORTS_FLAG = "--unstable-lazy-dynamic-imports";

/**
 * The compile task's runtime flags with its permission set (`-P=NAME`) spelled out as the
 * `--allow-*` flags deno.json gives it, so the bundle runs without a config file, as the binary
 * does (its permissions are baked in, and it reads no deno.json).
 */
export function expandPermissionSet(
  flags: readonly string[],
  permissionSets: Record<string, Record<string, unknown>>,
): string[] {
  return flags.flatMap((flag) => {
    const name = flag.match(/^(?:-P|--permission-set)=(.+)$/)?.[1];
    if (name === undefined) return [flag];
    const set = permissionSets[name];
    if (!set) throw new Error(`deno.json has no permission set "${name}"`);
    return Object.entries(set).map(([kind, value]) => {
      if (value === true) return `--allow-${kind}`;
      if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
        return `--allow-${kind}=${value.join(",")}`;
      }
      throw new Error(`Cannot spell out permission "${kind}" of set "${name}" as a flag`);
    });
  });
}

const BINARY_FLAGS = expandPermissionSet(COMPILE_PERMISSION_ARGS, DENO_JSON.permissions);

/** The `deno` arguments that run `bundle` like the compiled binary runs (same permission set). */
export function bundleArgs(bundle: string, args: readonly string[]): string[] {
  return [
    "run",
    "-q",
    "--no-prompt",
    "--no-config",
    ...BINARY_FLAGS,
    LAZY_IMPORTS_FLAG,
    bundle,
    ...args,
  ];
}
