/**
 * `deno task conformance [scenario…] [--concurrency N]`: runs the MCP conformance suite's client
 * scenarios against the bridge and prints one line per scenario, with the failed checks and the
 * harness's stderr for each failure. Exits 1 when a scenario fails unexpectedly or an expected
 * failure starts passing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  EXPECTED_FAILURES,
  findProblems,
  formatFailure,
  prepareSuite,
  runScenarios,
  SCENARIOS,
} from "./runner.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { concurrency: { type: "string", default: "2" } },
  allowPositionals: true,
});
const scenarios = positionals.length > 0 ? positionals : SCENARIOS;
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`Invalid concurrency: "${values.concurrency}"`);
  Deno.exit(2);
}

await prepareSuite();
const started = performance.now();
let unexpected = 0;
const results = runScenarios(scenarios, { concurrency });
for (const [index, scenario] of scenarios.entries()) {
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
  `\n${scenarios.length - unexpected}/${scenarios.length} as expected in ${
    ((performance.now() - started) / 1000).toFixed(0)
  } s`,
);
Deno.exit(unexpected === 0 ? 0 : 1);
