/**
 * The benchmark (`deno task bench`; not a test). Starts the fixture MCP server on 127.0.0.1 and
 * measures, interleaved in one run, the bridge (spawned `main.ts` with the compile task's
 * permission set) against the floor: a bare Deno relay (`floor_relay.ts`: stdin line → fetch
 * POST → stdout, no validation). Both are driven by the same raw stdio client
 * (`raw_client.ts`), round by round with the order rotated, and every figure of issue 10's table
 * is reported as a ratio to the floor: spawn → initialize answered, sequential call p50/p99,
 * calls/s with 64 in flight, a 5 MiB result, the process tree's peak RSS and CPU per call; plus
 * the idle RSS after initialize and the start-up of `--version` against an empty `deno run`.
 * An in-process SDK `Client` talking straight to the same server is the second column, and the
 * stalled-reader flood (`stalled_flood.ts`) adds the bridge's peak memory when its reader stops.
 * Memory and CPU come from `/proc` (Linux).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDualEraServer } from "../tests/fixtures/dual_era_server.ts";
import { startMcpServer } from "../tests/fixtures/mcp_server.ts";
import { baseEnv, mainArgs } from "../tests/support/main_process.ts";
import { readTreeUsage } from "./proc.ts";
import { RawStdioClient } from "./raw_client.ts";
import {
  formatStalledFloodRows,
  measureStalledFlood,
  stalledFloodSummary,
} from "./stalled_flood.ts";
import {
  checkFloorTargets,
  type FigureName,
  formatMs,
  formatRatio,
  formatTable,
  median,
  percentile,
  type ProgramFigures,
  round,
} from "./stats.ts";

const USAGE = `Usage: deno task bench [options]

Measures the bridge (spawned main.ts) against the floor, a bare Deno relay (bench/floor_relay.ts),
both driven by one raw stdio client, interleaved round by round; an in-process SDK client talking
straight to the same fixture server is the second column. Reports issue 10's figures as ratios
to the floor.

Options:
  --rounds N             interleaved rounds, figures are medians over them (default 3)
  --warmup N             warm-up calls per program and round (default 300)
  --calls N              sequential calls per program and round (default 2000)
  --throughput-calls N   calls per program and round for throughput (default 6000)
  --concurrency N        calls in flight for throughput (default 64)
  --big-bytes N          size of the big result in bytes (default 5242880)
  --big-runs N           big results per program and round (default 5)
  --spawns N             --version and empty deno run start-ups measured (default 11)
  --idle-ms N            wait after initialize before reading the idle RSS (default 1000)
  --flood-count N        notifications (~1 KiB each) in the stalled-reader flood (default 100000)
  --response-mode M      fixture server answers with "sse" (default) or "json"
  --quick                small counts for a smoke run (a few seconds)
  --strict               exit 1 when a target of issue 10 is not met
  -h, --help             show this help
`;

/** The benchmark's parameters, after defaults and `--quick`. */
interface BenchOptions {
  rounds: number;
  warmup: number;
  calls: number;
  throughputCalls: number;
  concurrency: number;
  bigBytes: number;
  bigRuns: number;
  spawns: number;
  idleMs: number;
  floodCount: number;
  responseMode: "sse" | "json";
  strict: boolean;
}

function parseCount(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`Invalid value for --${name}: "${value}" (an integer ≥ ${min} is expected)`);
  }
  return parsed;
}

function parseOptions(args: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string" },
      warmup: { type: "string" },
      calls: { type: "string" },
      "throughput-calls": { type: "string" },
      concurrency: { type: "string" },
      "big-bytes": { type: "string" },
      "big-runs": { type: "string" },
      spawns: { type: "string" },
      "idle-ms": { type: "string" },
      "flood-count": { type: "string" },
      "response-mode": { type: "string" },
      quick: { type: "boolean" },
      strict: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick === true;
  const responseMode = values["response-mode"] ?? "sse";
  if (responseMode !== "sse" && responseMode !== "json") {
    throw new Error(`Invalid value for --response-mode: "${responseMode}" (sse or json)`);
  }
  return {
    rounds: parseCount("rounds", values.rounds, quick ? 1 : 3),
    warmup: parseCount("warmup", values.warmup, quick ? 20 : 300, 0),
    calls: parseCount("calls", values.calls, quick ? 50 : 2000),
    throughputCalls: parseCount("throughput-calls", values["throughput-calls"], quick ? 200 : 6000),
    concurrency: parseCount("concurrency", values.concurrency, 64),
    bigBytes: parseCount("big-bytes", values["big-bytes"], 5 * 1024 * 1024),
    bigRuns: parseCount("big-runs", values["big-runs"], quick ? 1 : 5),
    spawns: parseCount("spawns", values.spawns, quick ? 3 : 11),
    idleMs: parseCount("idle-ms", values["idle-ms"], quick ? 200 : 1000, 0),
    floodCount: parseCount("flood-count", values["flood-count"], quick ? 10_000 : 100_000),
    responseMode,
    strict: values.strict === true,
  };
}

const ROOT = new URL("../", import.meta.url);
const FLOOR_RELAY = new URL("bench/floor_relay.ts", ROOT).pathname;

/** The two spawned programs. */
type ProgramName = "bridge" | "floor";

function spawnProgram(name: ProgramName, serverUrl: URL): RawStdioClient {
  const env = baseEnv({ MCP_SERVER_URL: serverUrl.href, MCP_CLIENT_LOG_LEVEL: "WARNING" });
  const args = name === "bridge"
    ? mainArgs([])
    : ["run", "-q", "--no-prompt", "--allow-net", FLOOR_RELAY, serverUrl.href];
  return new RawStdioClient({ command: Deno.execPath(), args, env });
}

/** One call of `echo`, checked, so a broken path cannot look fast. */
async function echo(client: RawStdioClient, message: string): Promise<void> {
  const answer = await client.request("tools/call", { name: "echo", arguments: { message } });
  const text = JSON.stringify(answer.result ?? answer.error);
  if (!answer.result || !text.includes(message)) {
    throw new Error(`Unexpected echo answer: ${text.slice(0, 200)}\n${client.stderrTail}`);
  }
}

async function sequential(call: (i: number) => Promise<void>, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Runs `count` calls with `concurrency` in flight; resolves to calls per second. */
async function concurrent(
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
function textLength(content: unknown): number {
  return ((content ?? []) as { text?: string }[])
    .reduce((sum, item) => sum + (item.text?.length ?? 0), 0);
}

async function bigResult(call: () => Promise<number>, bytes: number, runs: number) {
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
async function measureProgram(
  name: ProgramName,
  serverUrl: URL,
  o: BenchOptions,
): Promise<ProgramFigures> {
  const start = performance.now();
  const client = spawnProgram(name, serverUrl);
  try {
    await client.initialize();
    const initializeMs = performance.now() - start;
    await new Promise((resolve) => setTimeout(resolve, o.idleMs));
    const idle = readTreeUsage(client.pid);
    const call = (i: number) => echo(client, `${name}-${i}`);
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

/** The in-process SDK client column: the same calls without any stdio hop. */
async function measureSdkClient(
  serverUrl: URL,
  o: BenchOptions,
): Promise<Partial<ProgramFigures>> {
  const start = performance.now();
  const transport = new StreamableHTTPClientTransport(serverUrl);
  const client = new Client({ name: "mcp-streamablehttp-client-bench", version: "1.0.0" });
  await client.connect(transport);
  const initializeMs = performance.now() - start;
  try {
    const call = async (i: number) => {
      const message = `sdk-${i}`;
      const result = await client.callTool({ name: "echo", arguments: { message } });
      if (!JSON.stringify(result.content).includes(message)) throw new Error("Bad SDK echo");
    };
    await sequential(call, o.warmup);
    const latencies = await sequential(call, o.calls);
    const callsPerSecond = await concurrent(call, o.throughputCalls, o.concurrency);
    const bigResultMs = await bigResult(
      async () => {
        const result = await client.callTool(
          { name: "big", arguments: { bytes: o.bigBytes } },
          undefined,
          { timeout: 120_000 },
        );
        return textLength(result.content);
      },
      o.bigBytes,
      o.bigRuns,
    );
    return {
      initializeMs,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      callsPerSecond,
      bigResultMs,
    };
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close();
  }
}

/** Median wall time of `deno <args>` over `spawns` runs, interleaved with the others. */
async function startUps(commands: Record<string, string[]>, spawns: number) {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(commands)) samples[name] = [];
  for (let i = 0; i < spawns; i++) {
    for (const [name, args] of Object.entries(commands)) {
      const start = performance.now();
      const output = await new Deno.Command(Deno.execPath(), {
        args,
        env: baseEnv(),
        clearEnv: true,
        stdout: "null",
        stderr: "null",
      }).output();
      samples[name].push(performance.now() - start);
      if (!output.success) throw new Error(`deno ${args.join(" ")} failed`);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, median(s)]));
}

function readLoad(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
}

function log(text: string): void {
  console.error(`[bench] ${text}`);
}

/** The median of each figure over the rounds. */
function medianFigures(rounds: ProgramFigures[]): ProgramFigures {
  const keys = Object.keys(rounds[0]) as FigureName[];
  return Object.fromEntries(
    keys.map((key) => [key, median(rounds.map((r) => r[key]))]),
  ) as unknown as ProgramFigures;
}

async function main(): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(Deno.args);
  } catch (error) {
    console.error(`Error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  const o = options;
  const loadBefore = readLoad();

  await using server = await startMcpServer({ responseMode: o.responseMode, eventStore: false });
  const serverUrl = new URL(server.url);
  log(`fixture server at ${serverUrl.href} (${o.responseMode} responses), load ${loadBefore}`);

  const emptyScript = await Deno.makeTempFile({ suffix: ".ts" });
  log(`start-up: ${o.spawns} × --version and an empty deno run, interleaved`);
  const startup = await startUps({
    version: mainArgs(["--version"]),
    empty: ["run", "-q", "--no-prompt", emptyScript],
  }, o.spawns);
  await Deno.remove(emptyScript);

  const rounds: Record<ProgramName, ProgramFigures[]> = { bridge: [], floor: [] };
  for (let round = 0; round < o.rounds; round++) {
    const order: ProgramName[] = round % 2 === 0 ? ["bridge", "floor"] : ["floor", "bridge"];
    for (const name of order) {
      log(`round ${round + 1}/${o.rounds}: ${name}`);
      rounds[name].push(await measureProgram(name, serverUrl, o));
    }
  }
  log("in-process SDK client");
  const sdk = await measureSdkClient(serverUrl, o);
  log("2026-07-28 server (SDK v2, modern only): the bridge translating for a 2025 client");
  const modernRounds: ProgramFigures[] = [];
  let modernFailure: string | undefined;
  try {
    await using modernServer = await startDualEraServer({ eras: "modern" });
    for (let round = 0; round < o.rounds; round++) {
      modernRounds.push(await measureProgram("bridge", modernServer.url, { ...o, bigBytes: 0 }));
    }
  } catch (error) {
    modernFailure = (error as Error).message.split("\n")[0];
    log(`2026-07-28 server not measured: ${modernFailure}`);
  }
  const m = modernRounds.length > 0 ? medianFigures(modernRounds) : undefined;
  log("stalled-reader flood");
  const flood = await measureStalledFlood({ count: o.floodCount });
  const loadAfter = readLoad();

  const b = medianFigures(rounds.bridge);
  const f = medianFigures(rounds.floor);
  const targets = checkFloorTargets(b, f);
  const mib = (kib: number) => Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : "n/a";
  const us = (value: number) => Number.isFinite(value) ? `${value.toFixed(0)} µs` : "n/a";
  const perSecond = (value: number) => `${value.toFixed(0)}`;
  const bigLabel = `${(o.bigBytes / 1024 / 1024).toFixed(o.bigBytes % 1048576 ? 2 : 0)} MiB`;
  const row = (
    label: string,
    figure: FigureName,
    format: (value: number) => string = formatMs,
  ) => {
    const sdkValue = sdk[figure];
    return [
      label,
      format(b[figure]),
      format(f[figure]),
      formatRatio(b[figure], f[figure]),
      sdkValue === undefined ? "" : format(sdkValue),
      sdkValue === undefined ? "" : formatRatio(b[figure], sdkValue),
    ];
  };
  const rows = [
    row("spawn → initialize answered", "initializeMs"),
    row("sequential call p50", "latencyP50Ms"),
    row("sequential call p99", "latencyP99Ms"),
    row(`${o.concurrency} in flight, calls/s`, "callsPerSecond", perSecond),
    row(`${bigLabel} result`, "bigResultMs"),
    row("peak RSS (process tree)", "peakKiB", mib),
    row("CPU per call", "cpuPerCallUs", us),
    row("idle RSS after initialize", "idleRssKiB", mib),
    [
      "--version start-up",
      formatMs(startup.version),
      `${formatMs(startup.empty)} ¹`,
      formatRatio(startup.version, startup.empty),
    ],
  ];

  console.log("");
  console.log(
    `mcp-streamablehttp-client benchmark — Deno ${Deno.version.deno}, ${Deno.build.os}/` +
      `${Deno.build.arch}, ${navigator.hardwareConcurrency} CPUs, load ${loadBefore} → ` +
      `${loadAfter}, fixture server in ${o.responseMode} mode, medians of ${o.rounds} ` +
      `interleaved rounds`,
  );
  console.log("");
  console.log(formatTable(
    ["metric", "bridge", "floor relay", "bridge/floor", "SDK client ²", "bridge/SDK"],
    rows,
  ));
  console.log("¹ an empty script under deno run");
  console.log("² in-process SDK Client + StreamableHTTPClientTransport, no spawn, no stdio");
  console.log("");
  if (m) {
    console.log(formatTable(["2026-07-28 server, 2025 client (bridge only ³)", "bridge"], [
      ["spawn → initialize answered", formatMs(m.initializeMs)],
      ["sequential call p50", formatMs(m.latencyP50Ms)],
      ["sequential call p99", formatMs(m.latencyP99Ms)],
      [`${o.concurrency} in flight, calls/s`, perSecond(m.callsPerSecond)],
      ["peak RSS (process tree)", mib(m.peakKiB)],
      ["CPU per call", us(m.cpuPerCallUs)],
      ["idle RSS after initialize", mib(m.idleRssKiB)],
    ]));
  } else {
    console.log(`2026-07-28 server (bridge only ³): not measured: ${modernFailure}`);
  }
  console.log(
    "³ the floor relay cannot serve a 2025 client from a 2026-07-28-only server (no translation)",
  );
  console.log("");
  console.log(
    formatTable(["stalled-reader flood (bridge only)", "value"], formatStalledFloodRows(flood)),
  );
  console.log("");
  console.log(formatTable(
    ["target (issue 10)", "wanted", "measured", "status"],
    targets.map((t) => [t.name, t.target, t.measured, t.met ? "met" : "NOT MET"]),
  ));
  console.log("");

  const figures = (x: Partial<ProgramFigures>) =>
    Object.fromEntries(
      Object.entries(x).map(([key, value]) => [key, Number.isFinite(value) ? round(value!) : null]),
    );
  console.log(JSON.stringify({
    bench: "mcp-streamablehttp-client",
    deno: Deno.version.deno,
    os: `${Deno.build.os}/${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    load: { before: loadBefore, after: loadAfter },
    response_mode: o.responseMode,
    params: { ...o, strict: undefined },
    startup_ms: { version: round(startup.version, 1), empty_deno_run: round(startup.empty, 1) },
    bridge: figures(b),
    floor: figures(f),
    sdk_client: figures(sdk),
    rounds: { bridge: rounds.bridge.map(figures), floor: rounds.floor.map(figures) },
    modern_server_bridge: m ? figures(m) : { not_measured: modernFailure },
    stalled_flood: stalledFloodSummary(flood),
    targets: Object.fromEntries(targets.map((t) => [t.name, { measured: t.measured, met: t.met }])),
  }));
  return o.strict && targets.some((t) => !t.met) ? 1 : 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main();
  } catch (error) {
    console.error(`Error: ${(error as Error).message}`);
    code = 1;
  }
  Deno.exit(code);
}
