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
  /** What is compared, e.g. `added latency p50`. */
  name: string;
  /** The target as the issue states it, e.g. `≤ 0.2 ms`. */
  target: string;
  /** The measured value in the target's terms, e.g. `+0.150 ms`. */
  measured: string;
  met: boolean;
}

/** The figures of one path (bridge or direct). */
export interface PathFigures {
  /** Median time from spawn (bridge) or connect (direct) to an initialized session, in ms. */
  initializeMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  /** Completed calls per second with the configured number in flight. */
  callsPerSecond: number;
  /** Median time of one big (5 MB by default) tool result, in ms. */
  bigResultMs: number;
}

/** Targets of issue 2: added latency ≤ 0.2 ms p50, throughput ≥ 0.9× direct, 5 MB ≤ 1.2× direct. */
export function checkTargets(bridge: PathFigures, direct: PathFigures): TargetCheck[] {
  const added = bridge.latencyP50Ms - direct.latencyP50Ms;
  const throughput = bridge.callsPerSecond / direct.callsPerSecond;
  const big = bridge.bigResultMs / direct.bigResultMs;
  return [
    {
      name: "added latency p50",
      target: "≤ 0.2 ms",
      measured: `${added >= 0 ? "+" : ""}${added.toFixed(3)} ms`,
      met: added <= 0.2,
    },
    {
      name: "throughput vs direct",
      target: "≥ 0.90×",
      measured: `${throughput.toFixed(2)}×`,
      met: throughput >= 0.9,
    },
    {
      name: "big result vs direct",
      target: "≤ 1.20×",
      measured: `${big.toFixed(2)}×`,
      met: big <= 1.2,
    },
  ];
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
