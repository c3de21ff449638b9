/**
 * Spawns the real entry point, `main.ts`, with exactly the permission set of the `compile` task
 * (read from deno.json), in an isolated environment: a fresh config directory and no inherited
 * MCP settings. Every test that runs the program goes through here.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("main.ts", ROOT).pathname;

/** What the tests read of deno.json. */
export interface DenoJson {
  version: string;
  tasks: Record<string, string>;
  permissions: Record<string, Record<string, unknown>>;
}

/** The repository's deno.json, read once. */
export const DENO_JSON: DenoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));

/**
 * The runtime flags of `deno task compile` (what the binary runs with): the permission set and
 * the V8 flags, e.g. `["-P=bridge", "--v8-flags=--max-semi-space-size=8"]`.
 */
export const COMPILE_PERMISSION_ARGS: string[] = DENO_JSON.tasks.compile
  .split(/\s+/)
  .filter((word) => /^(-P|--permission-set)(=|$)|^--allow-|^--deny-|^-A$|^--v8-flags=/.test(word));

if (COMPILE_PERMISSION_ARGS.length === 0) {
  throw new Error("deno.json compile task declares no permission set");
}

/**
 * The `deno run` flags of `deno task start` (between `deno run` and `main.ts`), which a host's
 * entry for the sources repeats.
 */
export const START_TASK_FLAGS: string[] = DENO_JSON.tasks.start.split(/\s+/).slice(2, -1);

const DENO_DIR = Deno.env.get("DENO_DIR") ??
  `${Deno.env.get("HOME") ?? ""}/.cache/deno`;

/** Options for running the program. */
export interface MainOptions {
  /** Environment variables on top of the isolated baseline. */
  env?: Record<string, string>;
  /** Working directory (default: a fresh temporary directory). */
  cwd?: string;
  /** Text written to stdin, then stdin is closed. */
  stdin?: string;
  /** Kill the process after this many ms (default 60 s). */
  timeoutMs?: number;
}

/** What a finished run printed and returned. */
export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

const createdDirs: string[] = [];

globalThis.addEventListener("unload", () => {
  for (const dir of createdDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // already gone, or still in use by a process that outlived the test
    }
  }
});

/** Creates a fresh directory to use as config home / working directory, removed at exit. */
export function createTempDir(prefix = "mcp-shc-test-"): string {
  const dir = Deno.makeTempDirSync({ prefix });
  createdDirs.push(dir);
  return dir;
}

/** The baseline environment of a spawned program: isolated home and config directory. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = createTempDir("mcp-shc-home-");
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    DENO_DIR,
    // The binary has no update check; `deno run`'s starts one in the background (about 1 MiB
    // of RSS half a second after start), which would count against the program.
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    ...extra,
  };
}

/** The `deno` arguments that run main.ts like the compiled binary does. */
export function mainArgs(args: readonly string[]): string[] {
  return ["run", "-q", "--no-prompt", ...COMPILE_PERMISSION_ARGS, MAIN, ...args];
}

/** Spawns `deno` with `denoArgs`, isolated like the program, with piped stdio. */
function spawnDeno(denoArgs: readonly string[], options: MainOptions): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [...denoArgs],
    cwd: options.cwd ?? createTempDir(),
    env: baseEnv(options.env),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Spawns the program with piped stdio; the caller owns the process. */
export function spawnMain(args: readonly string[], options: MainOptions = {}): Deno.ChildProcess {
  return spawnDeno(mainArgs(args), options);
}

/**
 * Runs `deno` with `denoArgs` (in the program's isolated environment) to completion and collects
 * its output; killed after the timeout.
 */
export async function runDeno(
  denoArgs: readonly string[],
  options: MainOptions = {},
): Promise<MainResult> {
  const child = spawnDeno(denoArgs, options);
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }, options.timeoutMs ?? 60_000);
  const writer = child.stdin.getWriter();
  if (options.stdin !== undefined) await writer.write(new TextEncoder().encode(options.stdin));
  await writer.close();
  const output = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs the program to completion and collects its output. */
export function runMain(args: readonly string[], options: MainOptions = {}): Promise<MainResult> {
  return runDeno(mainArgs(args), options);
}
