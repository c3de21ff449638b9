/**
 * The benchmark's pure arithmetic (`bench/stats.ts`): the round-by-round spread of a ratio, and a
 * target met by the median only is told apart from one met in every round.
 */

import assert from "node:assert/strict";
import {
  checkFloorTargets,
  pairedRatioSpread,
  type ProgramFigures,
  targetStatus,
} from "../bench/stats.ts";

const floor: ProgramFigures = {
  initializeMs: 30,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  callsPerSecond: 1000,
  bigResultMs: 20,
  peakKiB: 100_000,
  cpuPerCallUs: 200,
  idleRssKiB: 37_000,
};

Deno.test("pairedRatioSpread pairs samples by index: the extremes, or the middle half", () => {
  assert.deepEqual(pairedRatioSpread([2, 3, 4], [2, 2, 2]), { low: 1, high: 2 });
  const middle = pairedRatioSpread([10, 11, 12, 13, 20], [10, 10, 10, 10, 10], true);
  assert.deepEqual(middle, { low: 1.1, high: 1.3 });
  assert.equal(pairedRatioSpread([1], [0]), undefined, "a zero floor gives no ratio");
});

Deno.test("a target met by the median but not in every round says so", () => {
  const bridge = { ...floor, cpuPerCallUs: 230, callsPerSecond: 1010 };
  const checks = checkFloorTargets(bridge, floor, {
    cpuPerCallUs: { low: 1.05, high: 1.31 },
    callsPerSecond: { low: 1.0, high: 1.02 },
  });
  const cpu = checks.find((check) => check.name === "CPU per call")!;
  assert.equal(cpu.measured, "1.15×");
  assert.equal(cpu.spread, "1.05–1.31×");
  assert.equal(targetStatus(cpu), "met (median; not every round)");
  const throughput = checks.find((check) => check.name === "in flight, calls/s")!;
  assert.equal(targetStatus(throughput), "met");
  const p50 = checks.find((check) => check.name === "sequential call p50")!;
  assert.equal(p50.spread, undefined, "no spread given, none shown");
  assert.equal(targetStatus(p50), "met");
});

Deno.test("a target the median misses is not met, whatever its best round", () => {
  const bridge = { ...floor, bigResultMs: 26 };
  const [big] = checkFloorTargets(bridge, floor, { bigResultMs: { low: 1.05, high: 1.4 } })
    .filter((check) => check.name === "big result");
  assert.equal(big.met, false);
  assert.equal(targetStatus(big), "NOT MET");
});

Deno.test("idle RSS shows the bridge's range over the rounds against 45 MiB", () => {
  const bridge = { ...floor, idleRssKiB: 44 * 1024 };
  const checks = checkFloorTargets(bridge, floor, {
    idleRssKiB: { low: 44 * 1024, high: 46 * 1024 },
  });
  const idle = checks.at(-1)!;
  assert.equal(idle.measured, "44.0 MiB");
  assert.equal(idle.spread, "44.0–46.0 MiB");
  assert.equal(targetStatus(idle), "met (median; not every round)");
});
