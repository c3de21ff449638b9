/**
 * Runs the official MCP conformance suite's client scenarios against the bridge, through
 * `harness.ts`, and judges the results. The suite's CLI (`npm:@modelcontextprotocol/conformance`)
 * needs Node 22 APIs, so it runs under Deno: `deno run -A npm:…@<ver> client --command <harness>
 * --scenario <name> -o <dir>`; it starts the scenario's test server (and authorization server),
 * runs the harness with the server URL appended, and writes `checks.json`, `stdout.txt` and
 * `stderr.txt` (the harness's) into the output directory.
 *
 * A scenario passes when no check is FAILURE or WARNING (the CLI counts both as failing), at
 * least one check is SUCCESS (an idle client passes some scenarios with zero checks), every
 * check the scenario must produce is present, and the harness's verdict is PASS.
 *
 * @module
 */

import { VERDICT_PREFIX } from "./harness.ts";

/** The suite release we run: the latest stable, which has every client scenario we need. */
export const CONFORMANCE_PACKAGE = "npm:@modelcontextprotocol/conformance@0.1.16";

/** The client scenarios we run, in order. */
export const SCENARIOS: readonly string[] = [
  // core relay (2025-11-25)
  "initialize",
  "tools_call",
  "elicitation-sep1034-client-defaults",
  "sse-retry",
  // authorization (2025-11-25)
  "auth/metadata-default",
  "auth/metadata-var1",
  "auth/metadata-var2",
  "auth/metadata-var3",
  "auth/basic-cimd",
  "auth/scope-from-www-authenticate",
  "auth/scope-from-scopes-supported",
  "auth/scope-omitted-when-undefined",
  "auth/scope-step-up",
  "auth/scope-retry-limit",
  "auth/token-endpoint-auth-basic",
  "auth/token-endpoint-auth-post",
  "auth/token-endpoint-auth-none",
  "auth/pre-registration",
  // back-compat (2025-03-26)
  "auth/2025-03-26-oauth-metadata-backcompat",
  "auth/2025-03-26-oauth-endpoint-fallback",
  // extension: client credentials (SEP-1046)
  "auth/client-credentials-basic",
  "auth/client-credentials-jwt",
  // draft
  "auth/resource-mismatch",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
];

/**
 * Scenarios that fail by design, with the reason. The test asserts they still fail, so a fix is
 * noticed and the entry removed.
 */
export const EXPECTED_FAILURES: Readonly<Record<string, string>> = {
  "auth/client-credentials-jwt": "client credentials use a client secret only (MCP_CLIENT_SECRET " +
    "with client_secret_basic/post); private_key_jwt (RFC 7523 §2.2) client authentication is " +
    "not implemented, so the bridge refuses --client-credentials without a secret",
};

/** Checks a scenario must produce that the suite does not itself report as missing. */
const REQUIRED_CHECKS: Readonly<Record<string, readonly string[]>> = {
  initialize: ["mcp-client-initialization"],
};

/** One conformance check, as written to `checks.json`. */
export interface Check {
  id: string;
  name: string;
  description: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | string;
  errorMessage?: string;
  details?: unknown;
}

/** What one run of a scenario produced. */
export interface ScenarioResult {
  scenario: string;
  /** Exit code of the conformance CLI. */
  code: number;
  checks: Check[];
  /** The harness's verdict line without the prefix, if it printed one. */
  verdict?: string;
  /** The harness's stderr (bridge stderr included). */
  clientStderr: string;
  /** The CLI's own stderr. */
  cliStderr: string;
  durationMs: number;
}

const HARNESS = new URL("./harness.ts", import.meta.url).pathname;

/** The `--command` the suite runs; it splits on spaces and runs it through a shell. */
export function harnessCommand(): string {
  const words = [Deno.execPath(), "run", "-A", "--no-prompt", HARNESS];
  for (const word of words) {
    if (!/^[\w./@+:=-]+$/.test(word)) {
      throw new Error(`Cannot pass path to the conformance CLI: "${word}" has spaces or quotes`);
    }
  }
  return words.join(" ");
}

/** The `deno` arguments that run the conformance CLI. */
export function cliArgs(args: readonly string[]): string[] {
  // --no-config: the suite's own dependency tree stays out of the project's lock file.
  return ["run", "-A", "--no-config", CONFORMANCE_PACKAGE, ...args];
}

async function findFile(dir: string, name: string): Promise<string | undefined> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isFile && entry.name === name) return path;
    if (entry.isDirectory) {
      const found = await findFile(path, name);
      if (found) return found;
    }
  }
  return undefined;
}

async function readOptional(path: string | undefined): Promise<string> {
  if (!path) return "";
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** Makes sure the suite is downloaded, so parallel runs do not race to fetch it. */
export async function prepareSuite(): Promise<void> {
  const output = await new Command(cliArgs(["--version"])).output();
  if (!output.success) {
    throw new Error(
      `Cannot start the conformance CLI ${CONFORMANCE_PACKAGE}:\n${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
}

class Command extends Deno.Command {
  constructor(args: string[], cwd?: string) {
    super(Deno.execPath(), {
      args,
      cwd,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
  }
}

/** Runs one scenario through the conformance CLI and collects its checks. */
export async function runScenario(
  scenario: string,
  options: { timeoutMs?: number } = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const outDir = await Deno.makeTempDir({ prefix: "mcp-shc-conformance-" });
  try {
    const output = await new Command(
      cliArgs([
        "client",
        "--command",
        harnessCommand(),
        "--scenario",
        scenario,
        "--timeout",
        String(options.timeoutMs ?? 60_000),
        "-o",
        outDir,
      ]),
      outDir,
    ).output();
    const checksPath = await findFile(outDir, "checks.json");
    const checksText = await readOptional(checksPath);
    const clientStderr = await readOptional(await findFile(outDir, "stderr.txt"));
    const verdictLine = clientStderr.split("\n").findLast((line) =>
      line.startsWith(VERDICT_PREFIX)
    );
    return {
      scenario,
      code: output.code,
      checks: checksText ? JSON.parse(checksText) : [],
      verdict: verdictLine?.slice(VERDICT_PREFIX.length).trim(),
      clientStderr,
      cliStderr: new TextDecoder().decode(output.stderr),
      durationMs: performance.now() - started,
    };
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

function describeCheck(check: Check): string {
  const message = check.errorMessage ? `: ${check.errorMessage}` : "";
  return `${check.status} ${check.id} (${check.description})${message}`;
}

/** Lists what is wrong with a scenario's result; empty means it passed. Pure. */
export function findProblems(result: ScenarioResult): string[] {
  const problems: string[] = [];
  for (const check of result.checks) {
    if (check.status === "FAILURE" || check.status === "WARNING") {
      problems.push(describeCheck(check));
    }
  }
  if (!result.checks.some((check) => check.status === "SUCCESS")) {
    problems.push("no check succeeded");
  }
  for (const id of REQUIRED_CHECKS[result.scenario] ?? []) {
    if (!result.checks.some((check) => check.id === id)) problems.push(`check "${id}" missing`);
  }
  if (result.verdict === undefined) {
    problems.push("harness printed no verdict (crashed or killed by the suite's timeout)");
  } else if (result.verdict !== "PASS") {
    problems.push(`harness: ${result.verdict}`);
  }
  if (problems.length === 0 && result.code !== 0) {
    problems.push(`conformance CLI exited with code ${result.code}`);
  }
  return problems;
}

/** Formats a failed scenario for a test message or the console. */
export function formatFailure(result: ScenarioResult, problems: readonly string[]): string {
  const tail = (text: string, lines: number) => text.trimEnd().split("\n").slice(-lines).join("\n");
  return [
    `Scenario ${result.scenario} failed (CLI exit ${result.code}):`,
    ...problems.map((problem) => `  - ${problem}`),
    "Client stderr (last 40 lines):",
    tail(result.clientStderr, 40),
    // The CLI repeats the client's stderr; show its own only when the client said nothing.
    ...(result.clientStderr.trim() === ""
      ? ["Conformance CLI stderr (last 20 lines):", tail(result.cliStderr, 20)]
      : []),
  ].join("\n");
}

/**
 * Runs scenarios with at most `concurrency` at a time; returns one promise per scenario, in
 * order, so callers can report each as soon as it is done.
 */
export function runScenarios(
  scenarios: readonly string[],
  options: { concurrency: number; timeoutMs?: number },
): Promise<ScenarioResult>[] {
  let active = 0;
  const queue: (() => void)[] = [];
  const acquire = () =>
    new Promise<void>((resolve) => {
      if (active < options.concurrency) {
        active++;
        resolve();
      } else {
        queue.push(() => {
          active++;
          resolve();
        });
      }
    });
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return scenarios.map(async (scenario) => {
    await acquire();
    try {
      return await runScenario(scenario, { timeoutMs: options.timeoutMs });
    } finally {
      release();
    }
  });
}
