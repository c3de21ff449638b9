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

/** The stable release: the 2025-11-25 scenarios, the 2025-03-26 back-compat ones and extensions. */
export const CONFORMANCE_PACKAGE = "npm:@modelcontextprotocol/conformance@0.1.16";
/** The release that holds the 2026-07-28 requirement set (`list --client --requirements`). */
export const CONFORMANCE_PACKAGE_2026 = "npm:@modelcontextprotocol/conformance@0.2.0-alpha.12";
/** Every suite release the runner uses; `.ci/run` prefetches each. */
export const CONFORMANCE_PACKAGES: readonly string[] = [
  CONFORMANCE_PACKAGE,
  CONFORMANCE_PACKAGE_2026,
];

/** The wire version of the 2026-07-28 requirement set. */
const MODERN_WIRE = "2026-07-28";

/** The client scenarios of 0.1.16 we run, in order. */
const SCENARIOS_2025: readonly string[] = [
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
  // extensions: client credentials (SEP-1046), cross-app access (SEP-990)
  "auth/client-credentials-basic",
  "auth/client-credentials-jwt",
  "auth/cross-app-access-complete-flow",
  // draft
  "auth/resource-mismatch",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
];

/**
 * The client scenarios of the 2026-07-28 requirement set, frozen at its release
 * (`conformance@0.2.0-alpha.12 list --client --requirements 2026-07-28`).
 */
const SCENARIOS_2026: readonly string[] = [
  "tools_call",
  "request-metadata",
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
  "auth/resource-mismatch",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
  "auth/authorization-server-migration",
  "auth/iss-supported",
  "auth/iss-not-advertised",
  "auth/iss-supported-missing",
  "auth/iss-wrong-issuer",
  "auth/iss-unexpected",
  "auth/iss-normalized",
  "auth/metadata-issuer-mismatch",
  "sep-2322-client-request-state",
  "http-standard-headers",
  "http-custom-headers",
  "http-invalid-tool-headers",
  "json-schema-ref-no-deref",
];

/**
 * The authorization scenarios new in the 2026-07-28 set, also run at the 2025-11-25 wire
 * (`--force`): the authorization rules are the same in both eras, and this checks them through a
 * plain 2025 session.
 */
const AUTH_SCENARIOS_2026: readonly string[] = [
  "auth/resource-mismatch",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
  "auth/authorization-server-migration",
  "auth/iss-supported",
  "auth/iss-not-advertised",
  "auth/iss-supported-missing",
  "auth/iss-wrong-issuer",
  "auth/iss-unexpected",
  "auth/iss-normalized",
  "auth/metadata-issuer-mismatch",
];

/** One run of a scenario: which suite, at which wire, driven by which stdio era. */
export interface ScenarioRun {
  /** Unique name: the scenario for 0.1.16, `<wire>/<era>-client/<scenario>` otherwise. */
  name: string;
  scenario: string;
  /** The suite's npm specifier. */
  suite: string;
  /** `--spec-version` for the CLI, which also sets the wire it speaks. */
  specVersion?: string;
  /** Run the scenario at `specVersion` even though it was introduced later. */
  force?: boolean;
  /** The stdio era of the harness. */
  driver: "2025" | "2026";
}

/**
 * Every run, in order: the 0.1.16 scenarios, the 2026-07-28 set in both stdio eras, then the new
 * authorization scenarios at the 2025-11-25 wire.
 */
export const RUNS: readonly ScenarioRun[] = [
  ...SCENARIOS_2025.map((scenario): ScenarioRun => ({
    name: scenario,
    scenario,
    suite: CONFORMANCE_PACKAGE,
    driver: "2025",
  })),
  ...(["2026", "2025"] as const).flatMap((driver) =>
    SCENARIOS_2026.map((scenario): ScenarioRun => ({
      name: `${MODERN_WIRE}/${driver}-client/${scenario}`,
      scenario,
      suite: CONFORMANCE_PACKAGE_2026,
      specVersion: MODERN_WIRE,
      driver,
    }))
  ),
  ...AUTH_SCENARIOS_2026.map((scenario): ScenarioRun => ({
    name: `2025-11-25/2025-client/${scenario}`,
    scenario,
    suite: CONFORMANCE_PACKAGE_2026,
    specVersion: "2025-11-25",
    force: true,
    driver: "2025",
  })),
];

/** The names of {@link RUNS}, in order. */
export const SCENARIOS: readonly string[] = RUNS.map((run) => run.name);

/**
 * Runs that fail for a reason outside this runner, with the reason. The test asserts they still
 * fail, so a fix is noticed and the entry removed.
 */
export const EXPECTED_FAILURES: Readonly<Record<string, string>> = {};

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
  /** The run's name (see {@link ScenarioRun}). */
  name: string;
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
export function harnessCommand(driver: "2025" | "2026" = "2025"): string {
  const words = [Deno.execPath(), "run", "-A", "--no-prompt", HARNESS, `--driver=${driver}`];
  for (const word of words) {
    if (!/^[\w./@+:=-]+$/.test(word)) {
      throw new Error(`Cannot pass path to the conformance CLI: "${word}" has spaces or quotes`);
    }
  }
  return words.join(" ");
}

/** The `deno` arguments that run the conformance CLI of `suite`. */
export function cliArgs(suite: string, args: readonly string[]): string[] {
  // --no-config: the suite's own dependency tree stays out of the project's lock file.
  return ["run", "-A", "--no-config", suite, ...args];
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

/** Makes sure every suite is downloaded, so parallel runs do not race to fetch it. */
export async function prepareSuite(): Promise<void> {
  for (const suite of CONFORMANCE_PACKAGES) {
    const output = await new Command(cliArgs(suite, ["--version"])).output();
    if (!output.success) {
      throw new Error(
        `Cannot start the conformance CLI ${suite}:\n${new TextDecoder().decode(output.stderr)}`,
      );
    }
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
  run: ScenarioRun,
  options: { timeoutMs?: number } = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const outDir = await Deno.makeTempDir({ prefix: "mcp-shc-conformance-" });
  const { scenario } = run;
  try {
    const output = await new Command(
      cliArgs(run.suite, [
        "client",
        "--command",
        harnessCommand(run.driver),
        "--scenario",
        scenario,
        ...(run.specVersion ? ["--spec-version", run.specVersion] : []),
        ...(run.force ? ["--force"] : []),
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
      name: run.name,
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
    `Scenario ${result.name} failed (CLI exit ${result.code}):`,
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
  runs: readonly ScenarioRun[],
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
  return runs.map(async (run) => {
    await acquire();
    try {
      return await runScenario(run, { timeoutMs: options.timeoutMs });
    } finally {
      release();
    }
  });
}
