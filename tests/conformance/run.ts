/**
 * `deno task conformance [selector…] [--concurrency N]`: runs the MCP conformance suites' client
 * scenarios against the bridge and prints one line per run, with the failed checks and the
 * harness's stderr for each failure. A selector picks the runs whose name starts with it or whose
 * scenario equals it (`auth/iss-supported`, `2026-07-28/2026-client/`, `initialize`). Exits 1
 * when a run fails unexpectedly or an expected failure starts passing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  EXPECTED_FAILURES,
  findProblems,
  formatFailure,
  prepareSuite,
  RUNS,
  runScenarios,
} from "./runner.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { concurrency: { type: "string", default: "2" } },
  allowPositionals: true,
});
const runs = positionals.length > 0
  ? RUNS.filter((run) => positionals.some((p) => run.name.startsWith(p) || run.scenario === p))
  : RUNS;
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`Invalid concurrency: "${values.concurrency}"`);
  Deno.exit(2);
}

await prepareSuite();
const started = performance.now();
let unexpected = 0;
const results = runScenarios(runs, { concurrency });
for (const [index, { name: scenario }] of runs.entries()) {
  const result = await results[index];
  const problems = findProblems(result);
  const expected = EXPECTED_FAILURES[scenario];
  const seconds = (result.durationMs / 1000).toFixed(1);
  if (problems.length === 0 && expected === undefined) {
    console.log(`PASS  ${scenario} (${seconds} s)`);
  } else if (problems.length > 0 && expected !== undefined) {
    console.log(`XFAIL ${scenario} (${seconds} s): ${expected}`);
  } else if (problems.length === 0) {
    unexpected++;
    console.log(`XPASS ${scenario} (${seconds} s): remove it from EXPECTED_FAILURES`);
  } else {
    unexpected++;
    console.log(`FAIL  ${scenario} (${seconds} s)`);
    console.log(formatFailure(result, problems).replace(/^/gm, "      "));
  }
}
console.log(
  `\n${runs.length - unexpected}/${runs.length} as expected in ${
    ((performance.now() - started) / 1000).toFixed(0)
  } s`,
);
Deno.exit(unexpected === 0 ? 0 : 1);
