/**
 * The measurements of the benchmark: one spawned program (the bridge or the floor relay) driven
 * by the raw stdio client through issue 10's figures, start-ups timed over many spawns, and the
 * medians over rounds. Bench code only; the report is built in bench.ts.
 *
 * @module
 */

import { readTreeUsage } from "../tests/support/proc_status.ts";
import { RawStdioClient } from "./raw_client.ts";
import { type FigureName, median, percentile, type ProgramFigures } from "./stats.ts";

/** One program to spawn: the command and the environment it gets. */
export interface Program {
  args: string[];
  env: Record<string, string>;
  /** The `_meta` of a 2026-07-28 client; a 2025 client (`initialize`) without it. */
  meta?: Record<string, unknown>;
}

/** The parameters of one measured round. */
export interface RoundOptions {
  warmup: number;
  calls: number;
  throughputCalls: number;
  concurrency: number;
  /** 0 skips the big result. */
  bigBytes: number;
  bigRuns: number;
  idleMs: number;
}

/**
 * `items` in the order of turn `turn`: as given on even turns, reversed on odd ones, so no item
 * always follows the same one.
 */
export function inTurnOrder<T>(items: readonly T[], turn: number): readonly T[] {
  return turn % 2 === 0 ? items : [...items].reverse();
}

/** Spawns `program` with `deno` and a raw stdio client on its pipes. */
export function spawnProgram(program: Program): RawStdioClient {
  return new RawStdioClient({
    command: Deno.execPath(),
    args: program.args,
    env: program.env,
    meta: program.meta,
  });
}

/** One call of `echo`, checked, so a broken path cannot look fast. */
async function echo(client: RawStdioClient, message: string): Promise<void> {
  const answer = await client.request("tools/call", { name: "echo", arguments: { message } });
  const text = JSON.stringify(answer.result ?? answer.error);
  if (!answer.result || !text.includes(message)) {
    throw new Error(`Unexpected echo answer: ${text.slice(0, 200)}\n${client.stderrTail}`);
  }
}

export async function sequential(
  call: (i: number) => Promise<void>,
  count: number,
): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Runs `count` calls with `concurrency` in flight; resolves to calls per second. */
export async function concurrent(
  call: (i: number) => Promise<void>,
  count: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count) await call(next++);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return count / ((performance.now() - start) / 1000);
}

/** The characters of a tool result's text content. */
export function textLength(content: unknown): number {
  return ((content ?? []) as { text?: string }[])
    .reduce((sum, item) => sum + (item.text?.length ?? 0), 0);
}

/** The median time of `runs` big results, each checked for its size. */
export async function bigResult(call: () => Promise<number>, bytes: number, runs: number) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const size = await call();
    samples.push(performance.now() - start);
    if (size < bytes) throw new Error(`Big result has ${size} characters, not ${bytes}`);
  }
  return median(samples);
}

/** One round of one spawned program: every figure of issue 10's table. */
export async function measureProgram(
  program: Program,
  label: string,
  o: RoundOptions,
): Promise<ProgramFigures> {
  const start = performance.now();
  const client = spawnProgram(program);
  try {
    await client.start();
    const initializeMs = performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, o.idleMs));
    const idle = readTreeUsage(client.pid);
    const call = (i: number) => echo(client, `${label}-${i}`);
    await sequential(call, o.warmup);
    await concurrent(call, o.concurrency * 2, o.concurrency);
    const before = readTreeUsage(client.pid);
    const latencies = await sequential(call, o.calls);
    const callsPerSecond = await concurrent(call, o.throughputCalls, o.concurrency);
    const after = readTreeUsage(client.pid);
    const bigResultMs = o.bigBytes === 0 ? NaN : await bigResult(
      async () => {
        const answer = await client.request("tools/call", {
          name: "big",
          arguments: { bytes: o.bigBytes },
        });
        return textLength((answer.result as { content?: unknown } | undefined)?.content);
      },
      o.bigBytes,
      o.bigRuns,
    );
    const end = readTreeUsage(client.pid);
    return {
      initializeMs,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      callsPerSecond,
      bigResultMs,
      peakKiB: end?.peakKiB ?? NaN,
      cpuPerCallUs: before && after
        ? (after.cpuMs - before.cpuMs) * 1000 / (o.calls + o.throughputCalls)
        : NaN,
      idleRssKiB: idle?.rssKiB ?? NaN,
    };
  } finally {
    await client.close();
  }
}

/**
 * Times from spawn to the answer of the first request (`initialize`, or `server/discover`
 * for a 2026-07-28 client) of each program, one per spawn, over `spawns` spawns interleaved
 * program by program (sample `i` of each program comes from the same turn; the order reverses
 * every turn, so no program always follows the same one). `programs` are called for every spawn,
 * so a program may get a fresh state each time.
 */
export async function firstAnswers(
  programs: Record<string, () => Program>,
  spawns: number,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  const turn = Object.entries(programs);
  for (let i = 0; i < spawns; i++) {
    for (const [name, program] of inTurnOrder(turn, i)) {
      const start = performance.now();
      const client = spawnProgram(program());
      try {
        await client.start();
        (samples[name] ??= []).push(performance.now() - start);
      } finally {
        await client.close();
      }
    }
  }
  return samples;
}

/**
 * Median wall time of `deno <args>` (run to exit) over `spawns` runs, interleaved, the order
 * reversing every turn.
 */
export async function startUps(
  commands: Record<string, string[]>,
  env: Record<string, string>,
  spawns: number,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  const turn = Object.entries(commands);
  for (let i = 0; i < spawns; i++) {
    for (const [name, args] of inTurnOrder(turn, i)) {
      const start = performance.now();
      const output = await new Deno.Command(Deno.execPath(), {
        args,
        env,
        clearEnv: true,
        stdout: "null",
        stderr: "null",
      }).output();
      (samples[name] ??= []).push(performance.now() - start);
      if (!output.success) throw new Error(`deno ${args.join(" ")} failed`);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, median(s)]));
}

/** The median of each figure over the rounds. */
export function medianFigures(rounds: ProgramFigures[]): ProgramFigures {
  const keys = Object.keys(rounds[0]) as FigureName[];
  return Object.fromEntries(
    keys.map((key) => [key, median(rounds.map((r) => r[key]))]),
  ) as unknown as ProgramFigures;
}

/** The load averages of the machine, for the report. */
export function readLoad(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}
