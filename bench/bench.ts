/**
 * The benchmark (`deno task bench`; not a test). Starts the fixture MCP server on 127.0.0.1 and
 * measures, in the same run, the bridge against an in-process SDK `Client` with
 * `StreamableHTTPClientTransport` talking straight to the same server: spawn-to-initialize time
 * (with a bare `deno run` as the floor), sequential call latency, throughput with many calls in
 * flight, a big result and the bridge's peak RSS, with ratios and the targets of issue 2, then one
 * JSON summary line.
 *
 * The bridge is spawned exactly as a user runs it (`main.ts` with the compile task's permission
 * set) and driven by the SDK's own `Client` twice over: over a Deno-native stdio transport
 * (`stdio_transport.ts`, the headline figures) and over the SDK's `StdioClientTransport`, whose
 * read buffer is quadratic in the line length under Deno and so dominates big results. Both expose
 * the child's pid, so the bridge's peak RSS is read from `/proc/<pid>/status` (`VmHWM`, Linux
 * only) before the clients close it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startMcpServer } from "../tests/fixtures/mcp_server.ts";
import { baseEnv, mainArgs } from "../tests/support/main_process.ts";
import { DenoStdioClientTransport } from "./stdio_transport.ts";
import {
  formatStalledFloodRows,
  measureStalledFlood,
  stalledFloodSummary,
} from "./stalled_flood.ts";
import {
  checkTargets,
  formatMs,
  formatRatio,
  formatTable,
  mean,
  median,
  type PathFigures,
  percentile,
  round,
} from "./stats.ts";

const USAGE = `Usage: deno task bench [options]

Measures the bridge (spawned main.ts, driven by the SDK Client over a Deno-native stdio transport
and over the SDK's StdioClientTransport) against an in-process SDK client talking straight to the
same fixture server. A full run takes well under a minute.

Options:
  --spawns N             spawns measured for spawn-to-initialize (default 7)
  --warmup N             warm-up calls per path before measuring (default 300)
  --calls N              sequential calls per path for latency (default 2000)
  --throughput-calls N   calls per path for throughput (default 6000)
  --concurrency N        calls in flight for throughput (default 64)
  --big-bytes N          size of the big result in bytes (default 5242880)
  --big-runs N           big results per path (default 9)
  --flood-count N        notifications (~1 KiB each) in the stalled-reader flood (default 100000)
  --response-mode M      fixture server answers with "sse" (default) or "json"
  --quick                small counts for a smoke run (a few seconds)
  --strict               exit 1 when a target of issue 2 is not met
  -h, --help             show this help
`;

/** The benchmark's parameters, after defaults and `--quick`. */
interface BenchOptions {
  spawns: number;
  warmup: number;
  calls: number;
  throughputCalls: number;
  concurrency: number;
  bigBytes: number;
  bigRuns: number;
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
      spawns: { type: "string" },
      warmup: { type: "string" },
      calls: { type: "string" },
      "throughput-calls": { type: "string" },
      concurrency: { type: "string" },
      "big-bytes": { type: "string" },
      "big-runs": { type: "string" },
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
    spawns: parseCount("spawns", values.spawns, quick ? 2 : 7),
    warmup: parseCount("warmup", values.warmup, quick ? 20 : 300, 0),
    calls: parseCount("calls", values.calls, quick ? 50 : 2000),
    throughputCalls: parseCount("throughput-calls", values["throughput-calls"], quick ? 200 : 6000),
    concurrency: parseCount("concurrency", values.concurrency, 64),
    bigBytes: parseCount("big-bytes", values["big-bytes"], 5 * 1024 * 1024),
    bigRuns: parseCount("big-runs", values["big-runs"], quick ? 1 : 9),
    floodCount: parseCount("flood-count", values["flood-count"], quick ? 10_000 : 100_000),
    responseMode,
    strict: values.strict === true,
  };
}

/** The measured paths: the bridge under two stdio client transports, and direct HTTP. */
type PathName = "bridge" | "bridgeSdkStdio" | "direct";

/** One connected SDK client, whichever path it takes. */
interface Path {
  name: PathName;
  client: Client;
  /** The bridge's pid, for its peak RSS. */
  pid?: number;
  close(): Promise<void>;
}

function createClient(): Client {
  return new Client({ name: "mcp-streamablehttp-client-bench", version: "1.0.0" });
}

function bridgeEnv(serverUrl: URL): Record<string, string> {
  return baseEnv({ MCP_SERVER_URL: serverUrl.href, MCP_CLIENT_LOG_LEVEL: "WARNING" });
}

async function connectClient(
  name: PathName,
  transport: DenoStdioClientTransport | StdioClientTransport,
  stderrTail: () => string,
): Promise<Path> {
  const client = createClient();
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw new Error(
      `Cannot initialize through the bridge: ${(error as Error).message}\n${stderrTail()}`,
    );
  }
  return { name, client, pid: transport.pid ?? undefined, close: () => client.close() };
}

/** The bridge driven by the SDK Client over a Deno-native stdio transport (the main figures). */
function connectBridge(serverUrl: URL): Promise<Path> {
  let tail = "";
  const transport = new DenoStdioClientTransport({
    command: Deno.execPath(),
    args: mainArgs([]),
    env: bridgeEnv(serverUrl),
    onStderr: (text) => tail = (tail + text).slice(-4000),
  });
  return connectClient("bridge", transport, () => tail);
}

/** The bridge driven by the SDK Client over the SDK's own `StdioClientTransport`. */
function connectBridgeSdkStdio(serverUrl: URL): Promise<Path> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: mainArgs([]),
    env: bridgeEnv(serverUrl),
    stderr: "pipe",
  });
  let tail = "";
  transport.stderr?.on("data", (chunk: Uint8Array | string) => {
    tail = (tail + (typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)))
      .slice(-4000);
  });
  return connectClient("bridgeSdkStdio", transport, () => tail);
}

async function connectDirect(serverUrl: URL): Promise<Path> {
  const transport = new StreamableHTTPClientTransport(serverUrl);
  const client = createClient();
  await client.connect(transport);
  return {
    name: "direct",
    client,
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/** Calls `echo` once and checks the answer, so a broken path cannot look fast. */
async function callEcho(path: Path, message: string): Promise<void> {
  const result = await path.client.callTool({ name: "echo", arguments: { message } });
  const text = JSON.stringify(result.content);
  if (result.isError || !text.includes(message)) {
    throw new Error(`Unexpected echo result through the ${path.name} path: ${text.slice(0, 200)}`);
  }
}

async function measureSequential(path: Path, count: number, samples: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await callEcho(path, `seq-${i}`);
    samples.push(performance.now() - start);
  }
}

/** Runs `count` echo calls with `concurrency` in flight; resolves to the elapsed ms. */
async function measureConcurrent(path: Path, count: number, concurrency: number): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await callEcho(path, `par-${i}`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return performance.now() - start;
}

async function measureBig(path: Path, bytes: number): Promise<number> {
  const start = performance.now();
  const result = await path.client.callTool(
    { name: "big", arguments: { bytes } },
    undefined,
    { timeout: 120_000 },
  );
  const elapsed = performance.now() - start;
  const size = (result.content as { text?: string }[])
    .reduce((sum, item) => sum + (item.text?.length ?? 0), 0);
  if (result.isError || size < bytes) {
    throw new Error(
      `Big result through the ${path.name} path has ${size} characters, not ${bytes}`,
    );
  }
  return elapsed;
}

/** Wall time of `deno run` on an empty script: the floor under any spawned Deno program. */
async function measureDenoFloor(spawns: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "mcp-shc-bench-" });
  const script = `${dir}/empty.ts`;
  await Deno.writeTextFile(script, "");
  const samples: number[] = [];
  try {
    for (let i = 0; i < spawns; i++) {
      const start = performance.now();
      const output = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "--no-prompt", script],
        stdout: "null",
        stderr: "null",
      }).output();
      samples.push(performance.now() - start);
      if (!output.success) throw new Error("Cannot run an empty script with deno");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return median(samples);
}

async function measureBridgeInitialize(serverUrl: URL, spawns: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < spawns; i++) {
    const start = performance.now();
    const path = await connectBridge(serverUrl);
    samples.push(performance.now() - start);
    await path.close();
  }
  return median(samples);
}

async function measureDirectInitialize(serverUrl: URL, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    const path = await connectDirect(serverUrl);
    samples.push(performance.now() - start);
    await path.close();
  }
  return median(samples);
}

/** Peak and current resident set of a process in KiB, from `/proc` (Linux only). */
async function readMemory(pid: number | undefined): Promise<{ peakKiB?: number; rssKiB?: number }> {
  if (pid === undefined || Deno.build.os !== "linux") return {};
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const field = (name: string) => {
      const match = status.match(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m"));
      return match ? Number(match[1]) : undefined;
    };
    return { peakKiB: field("VmHWM"), rssKiB: field("VmRSS") };
  } catch {
    return {};
  }
}

function log(text: string): void {
  console.error(`[bench] ${text}`);
}

/** Runs `task` for each path, rotating which goes first each round, so drift hits all alike. */
async function rotate(
  paths: readonly Path[],
  rounds: number,
  task: (path: Path, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < paths.length; i++) await task(paths[(round + i) % paths.length], round);
  }
}

function split(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

function byPath<T>(create: () => T): Record<PathName, T> {
  return { bridge: create(), bridgeSdkStdio: create(), direct: create() };
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

  await using server = await startMcpServer({ responseMode: o.responseMode, eventStore: false });
  const serverUrl = new URL(server.url);
  log(`fixture server at ${serverUrl.href} (${o.responseMode} responses)`);

  log(`floor: ${o.spawns} × deno run of an empty script`);
  const floorMs = await measureDenoFloor(o.spawns);
  log(`spawn to initialized: ${o.spawns} bridge spawns`);
  const bridgeInitializeMs = await measureBridgeInitialize(serverUrl, o.spawns);
  const directInitializeMs = await measureDirectInitialize(serverUrl, o.spawns);

  const paths: Path[] = [];
  try {
    paths.push(await connectBridge(serverUrl));
    paths.push(await connectBridgeSdkStdio(serverUrl));
    paths.push(await connectDirect(serverUrl));

    log(`warm-up: ${o.warmup} sequential and ${o.concurrency * 2} concurrent calls per path`);
    await rotate(paths, 1, async (path) => {
      await measureSequential(path, o.warmup, []);
      await measureConcurrent(path, o.concurrency * 2, o.concurrency);
    });

    log(`latency: ${o.calls} sequential echo calls per path`);
    const latency = byPath<number[]>(() => []);
    const latencyRounds = Math.min(10, o.calls);
    await rotate(paths, latencyRounds, async (path, round) => {
      await measureSequential(path, split(o.calls, latencyRounds, round), latency[path.name]);
    });

    log(`throughput: ${o.throughputCalls} echo calls per path, ${o.concurrency} in flight`);
    const elapsed = byPath(() => 0);
    const throughputRounds = Math.min(3, o.throughputCalls);
    await rotate(paths, throughputRounds, async (path, round) => {
      const count = split(o.throughputCalls, throughputRounds, round);
      elapsed[path.name] += await measureConcurrent(path, count, o.concurrency);
    });

    const memoryBeforeBig = await readMemory(paths[0].pid);
    const memorySdkStdioBeforeBig = await readMemory(paths[1].pid);

    log(`big result: ${o.bigRuns} × ${o.bigBytes} bytes per path`);
    const big = byPath<number[]>(() => []);
    await rotate(paths, o.bigRuns, async (path) => {
      big[path.name].push(await measureBig(path, o.bigBytes));
    });

    const memory = await readMemory(paths[0].pid);
    const memorySdkStdio = await readMemory(paths[1].pid);

    const figures = (name: PathName, initializeMs: number): PathFigures => ({
      initializeMs,
      latencyP50Ms: percentile(latency[name], 50),
      latencyP99Ms: percentile(latency[name], 99),
      latencyMeanMs: mean(latency[name]),
      callsPerSecond: o.throughputCalls / (elapsed[name] / 1000),
      bigResultMs: median(big[name]),
    });
    const b = figures("bridge", bridgeInitializeMs);
    const s = figures("bridgeSdkStdio", NaN);
    const d = figures("direct", directInitializeMs);
    const targets = checkTargets(b, d);
    const targetsSdkStdio = checkTargets(s, d);
    const mib = (kib: number | undefined) =>
      kib === undefined ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`;
    const bigLabel = `${(o.bigBytes / 1024 / 1024).toFixed(o.bigBytes % 1048576 ? 2 : 0)} MiB`;
    const row = (label: string, value: (f: PathFigures) => number, format = formatMs) => [
      label,
      format(value(b)),
      format(value(d)),
      formatRatio(value(b), value(d)),
      format(value(s)),
      formatRatio(value(s), value(d)),
    ];
    const perSecond = (value: number) => `${value.toFixed(0)} calls/s`;

    log("stalled-reader flood");
    const flood = await measureStalledFlood({ count: o.floodCount });
    const rows: string[][] = [
      ["spawn → initialized (median)", formatMs(b.initializeMs), `${formatMs(d.initializeMs)} ¹`],
      ["  floor: bare deno run (median)", formatMs(floorMs)],
      ["  bridge startup above floor", formatMs(b.initializeMs - floorMs)],
      row("echo latency p50", (f) => f.latencyP50Ms),
      row("echo latency p99", (f) => f.latencyP99Ms),
      row("echo latency mean", (f) => f.latencyMeanMs),
      row(`throughput (${o.concurrency} in flight)`, (f) => f.callsPerSecond, perSecond),
      row(`${bigLabel} result (median)`, (f) => f.bigResultMs),
      [
        "bridge peak RSS before big results",
        mib(memoryBeforeBig.peakKiB),
        "",
        "",
        mib(memorySdkStdioBeforeBig.peakKiB),
      ],
      ["bridge peak RSS (VmHWM)", mib(memory.peakKiB), "", "", mib(memorySdkStdio.peakKiB)],
      ["bridge RSS at the end (VmRSS)", mib(memory.rssKiB), "", "", mib(memorySdkStdio.rssKiB)],
      ...formatStalledFloodRows(flood),
    ];

    console.log("");
    console.log(
      `mcp-streamablehttp-client benchmark — Deno ${Deno.version.deno}, ${Deno.build.os}/` +
        `${Deno.build.arch}, ${navigator.hardwareConcurrency} CPUs, fixture server in ` +
        `${o.responseMode} mode`,
    );
    console.log(
      "bridge:   spawned main.ts (compile permission set), SDK Client over a Deno-native stdio " +
        "transport (bench/stdio_transport.ts)",
    );
    console.log("sdk-stdio: the same bridge, SDK Client over the SDK's StdioClientTransport ²");
    console.log("direct:   in-process SDK Client + StreamableHTTPClientTransport, same server");
    console.log("");
    console.log(formatTable(
      ["metric", "bridge", "direct", "bridge/direct", "sdk-stdio", "sdk-stdio/direct"],
      rows,
    ));
    console.log("¹ in-process connect, no spawn");
    console.log(
      "² its read buffer concatenates and rescans on every chunk, so big lines cost it " +
        "quadratic time",
    );
    console.log("");
    console.log(formatTable(
      ["target (issue 2)", "wanted", "bridge", "status", "sdk-stdio", "status"],
      targets.map((t, i) => [
        t.name,
        t.target,
        t.measured,
        t.met ? "met" : "NOT MET",
        targetsSdkStdio[i].measured,
        targetsSdkStdio[i].met ? "met" : "NOT MET",
      ]),
    ));
    console.log("");

    const perPath = (f: PathFigures) => ({
      ...(Number.isNaN(f.initializeMs) ? {} : { initialize_ms: round(f.initializeMs, 1) }),
      latency_p50_ms: round(f.latencyP50Ms),
      latency_p99_ms: round(f.latencyP99Ms),
      latency_mean_ms: round(f.latencyMeanMs),
      calls_per_second: round(f.callsPerSecond, 0),
      big_result_ms: round(f.bigResultMs, 1),
    });
    const targetSummary = (checks: typeof targets) =>
      Object.fromEntries(
        checks.map((t) => [t.name.replaceAll(" ", "_"), { measured: t.measured, met: t.met }]),
      );
    console.log(JSON.stringify({
      bench: "mcp-streamablehttp-client",
      deno: Deno.version.deno,
      os: `${Deno.build.os}/${Deno.build.arch}`,
      cpus: navigator.hardwareConcurrency,
      response_mode: o.responseMode,
      params: {
        spawns: o.spawns,
        warmup: o.warmup,
        calls: o.calls,
        throughput_calls: o.throughputCalls,
        concurrency: o.concurrency,
        big_bytes: o.bigBytes,
        big_runs: o.bigRuns,
      },
      deno_run_floor_ms: round(floorMs, 1),
      bridge: {
        driver: "sdk-client+deno-stdio-transport",
        ...perPath(b),
        peak_rss_kib: memory.peakKiB ?? null,
        peak_rss_before_big_kib: memoryBeforeBig.peakKiB ?? null,
        rss_kib: memory.rssKiB ?? null,
      },
      bridge_sdk_stdio: {
        driver: "sdk-client+sdk-StdioClientTransport",
        ...perPath(s),
        peak_rss_kib: memorySdkStdio.peakKiB ?? null,
        peak_rss_before_big_kib: memorySdkStdioBeforeBig.peakKiB ?? null,
      },
      direct: { driver: "sdk-client+StreamableHTTPClientTransport", ...perPath(d) },
      stalled_flood: stalledFloodSummary(flood),
      targets: targetSummary(targets),
      targets_sdk_stdio: targetSummary(targetsSdkStdio),
    }));
    return o.strict && targets.some((t) => !t.met) ? 1 : 0;
  } finally {
    await Promise.allSettled(paths.map((path) => path.close()));
  }
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
