/**
 * Pure helpers of the benchmark: percentiles, rates, target checks and the plain-text table. No
 * I/O, so the report's arithmetic can be read (and trusted) apart from the measuring.
 *
 * @module
 */

/** The `p`-th percentile (0–100) of `samples` by nearest rank; `NaN` when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median of `samples`; `NaN` when there are none. */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** The arithmetic mean of `samples`; `NaN` when there are none. */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  return samples.reduce((sum, value) => sum + value, 0) / samples.length;
}

/** Rounds to `digits` decimals, for the JSON summary. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** One issue target and whether the run met it. */
export interface TargetCheck {
  /** What is compared, e.g. `sequential call p50`. */
  name: string;
  /** The target as the issue states it, e.g. `≤ 1.10×`. */
  target: string;
  /** The measured value in the target's terms, e.g. `1.04×`. */
  measured: string;
  met: boolean;
  /** The lowest and highest ratio of the rounds (or spawns), e.g. `0.97–1.12×`. */
  spread?: string;
  /** Whether every round (or spawn pair) met the target too, not only the median. */
  metEvery?: boolean;
}

/** The lowest and highest of a figure's ratios, round by round. */
export interface RatioSpread {
  low: number;
  high: number;
}

/**
 * The ratios `bridge[i] / floor[i]` of samples taken as interleaved pairs (round `i`, or spawn
 * `i`); with `middleHalf`, the 25th and 75th percentile of those ratios instead of the extremes
 * (single spawns are too noisy for their extremes to mean much). Undefined without finite pairs.
 */
export function pairedRatioSpread(
  bridge: readonly number[],
  floor: readonly number[],
  middleHalf = false,
): RatioSpread | undefined {
  const ratios = bridge
    .map((value, i) => value / floor[i])
    .filter((ratio) => Number.isFinite(ratio));
  if (ratios.length === 0) return undefined;
  return middleHalf
    ? { low: percentile(ratios, 25), high: percentile(ratios, 75) }
    : { low: Math.min(...ratios), high: Math.max(...ratios) };
}

/** The figures of one spawned program (the bridge or the floor relay), medians over rounds. */
export interface ProgramFigures {
  /** Spawn until the answer to `initialize` arrived, in ms. */
  initializeMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Completed calls per second with the configured number in flight. */
  callsPerSecond: number;
  /** One big (5 MiB by default) tool result, in ms. */
  bigResultMs: number;
  /** Peak resident set of the process tree, in KiB. */
  peakKiB: number;
  /** CPU time of the process tree per call, in µs. */
  cpuPerCallUs: number;
  /** Resident set a moment after `initialize`, with nothing in flight, in KiB. */
  idleRssKiB: number;
}

/** The keys of {@link ProgramFigures}. */
export type FigureName = keyof ProgramFigures;

/** The targets of issue 10 as ratios to the floor relay; `max` means lower is better. */
export const FLOOR_TARGETS: ReadonlyArray<
  { figure: FigureName; name: string; bound: "max" | "min"; ratio: number }
> = [
  { figure: "initializeMs", name: "spawn → first answer", bound: "max", ratio: 1.5 },
  { figure: "latencyP50Ms", name: "sequential call p50", bound: "max", ratio: 1.1 },
  { figure: "latencyP99Ms", name: "sequential call p99", bound: "max", ratio: 1.15 },
  { figure: "callsPerSecond", name: "in flight, calls/s", bound: "min", ratio: 1.0 },
  { figure: "bigResultMs", name: "big result", bound: "max", ratio: 1.1 },
  { figure: "peakKiB", name: "peak RSS (process tree)", bound: "max", ratio: 1.2 },
  { figure: "cpuPerCallUs", name: "CPU per call", bound: "max", ratio: 1.2 },
];

/** The idle RSS target of issue 10, in KiB. */
export const IDLE_RSS_TARGET_KIB = 45 * 1024;

/**
 * Checks the bridge against the floor relay (issue 10's table) and the idle RSS target. With
 * `spreads` (per figure, from {@link pairedRatioSpread}; the idle RSS as a range in KiB), each
 * check also says its range and whether every round met the target, not only the median.
 */
export function checkFloorTargets(
  bridge: ProgramFigures,
  floor: ProgramFigures,
  spreads: Partial<Record<FigureName, RatioSpread>> = {},
): TargetCheck[] {
  const checks: TargetCheck[] = FLOOR_TARGETS.map(({ figure, name, bound, ratio }) => {
    const measured = bridge[figure] / floor[figure];
    const meets = (value: number) => bound === "max" ? value <= ratio : value >= ratio;
    const spread = spreads[figure];
    return {
      name,
      target: `${bound === "max" ? "≤" : "≥"} ${ratio.toFixed(2)}×`,
      measured: `${measured.toFixed(2)}×`,
      met: meets(measured),
      ...(spread && {
        spread: `${spread.low.toFixed(2)}–${spread.high.toFixed(2)}×`,
        metEvery: meets(spread.low) && meets(spread.high),
      }),
    };
  });
  const idle = spreads.idleRssKiB;
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  checks.push({
    name: "idle RSS after the first answer",
    target: "≤ 45 MiB",
    measured: `${mib(bridge.idleRssKiB)} MiB`,
    met: bridge.idleRssKiB <= IDLE_RSS_TARGET_KIB,
    ...(idle && {
      spread: `${mib(idle.low)}–${mib(idle.high)} MiB`,
      metEvery: idle.high <= IDLE_RSS_TARGET_KIB,
    }),
  });
  return checks;
}

/** The status cell of a target: met in every round, met by the median only, or not met. */
export function targetStatus(check: TargetCheck): string {
  if (!check.met) return "NOT MET";
  return check.metEvery === false ? "met (median; not every round)" : "met";
}

/** Formats rows as a left-aligned plain-text table with a rule under the header. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length))
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)]
    .join("\n");
}

/** Formats milliseconds with a precision that suits the magnitude. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 10) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Formats a ratio `a / b` as `1.23×`. */
export function formatRatio(a: number, b: number): string {
  const ratio = a / b;
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "n/a";
}
