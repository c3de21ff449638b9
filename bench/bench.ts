/**
 * The benchmark (`deno task bench`; not a test). Starts two fixture MCP servers on 127.0.0.1 (SDK
 * v1, 2025-11-25; SDK v2, 2026-07-28 only) and measures, interleaved in one run, the bridge
 * against the floor: a bare Deno relay (`floor_relay.ts`: stdin line → fetch POST → stdout, no
 * validation). The bridge runs as the binary does: the bundle `deno compile` compiles
 * (`--entry main.ts` for the sources), with the compile task's permission set and a state
 * directory kept across spawns, as a client's every start after the first finds it. Both are
 * driven by the same raw stdio client (`raw_client.ts`), a 2025 client toward the 2025 server
 * and a 2026-07-28 client toward the 2026 server, and every figure of issue 10's table is a ratio
 * to the floor: spawn → first answer (median of many spawns, and a first start with an empty state
 * directory apart), sequential call p50/p99, calls/s with 64 in flight, a 5 MiB result, the
 * process tree's peak RSS and CPU per call; plus the idle RSS after the first answer and the
 * start-up of `--version` against an empty `deno run`. An in-process SDK `Client` talking straight
 * to the 2025 server is a further column, a 2025 client translated to the 2026 server a further
 * table, and the stalled-reader flood (`stalled_flood.ts`) adds the bridge's peak memory when its
 * reader stops. Memory and CPU come from `/proc` (Linux).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDualEraServer } from "../tests/fixtures/dual_era_server.ts";
import { startMcpServer } from "../tests/fixtures/mcp_server.ts";
import { buildBundle, bundleArgs } from "../tests/support/bundle.ts";
import { baseEnv, mainArgs } from "../tests/support/main_process.ts";
import {
  bigResult,
  concurrent,
  firstAnswers,
  inTurnOrder,
  measureProgram,
  medianFigures,
  type Program,
  readLoad,
  type RoundOptions,
  sequential,
  startUps,
  textLength,
} from "./measure.ts";
import { MODERN_CLIENT_META } from "./raw_client.ts";
import {
  formatStalledFloodRows,
  measureStalledFlood,
  stalledFloodSummary,
} from "./stalled_flood.ts";
import {
  checkFloorTargets,
  type FigureName,
  FLOOR_TARGETS,
  formatMs,
  formatRatio,
  formatTable,
  median,
  pairedRatioSpread,
  percentile,
  type ProgramFigures,
  type RatioSpread,
  round,
  type TargetCheck,
  targetStatus,
} from "./stats.ts";

const USAGE = `Usage: deno task bench [options]

Measures the bridge (spawned like the binary: the bundle that deno compile compiles, with the
compile permission set) against the floor, a bare Deno relay (bench/floor_relay.ts), both driven
by one raw stdio client, interleaved round by round: a 2025 client toward a 2025-11-25 server,
and a 2026-07-28 client toward a 2026-07-28 server. An in-process SDK client talking straight to
the 2025 server is a further column, and a 2025 client through the bridge to the 2026-07-28
server a further table. Reports issue 10's figures as ratios to the floor.

Options:
  --rounds N             interleaved rounds, figures are medians over them (default 5)
  --warmup N             warm-up calls per program and round (default 300)
  --calls N              sequential calls per program and round (default 2000)
  --throughput-calls N   calls per program and round for throughput (default 6000)
  --concurrency N        calls in flight for throughput (default 64)
  --big-bytes N          size of the big result in bytes (default 5242880)
  --big-runs N           big results per program and round (default 9)
  --spawns N             start-ups measured per program (default 21)
  --idle-ms N            wait after initialize before reading the idle RSS (default 1000)
  --flood-count N        notifications (~1 KiB each) in the stalled-reader flood (default 100000)
  --response-mode M      the 2025 server answers with "sse" (default) or "json"
  --entry E              run the bridge from the "bundle" (default) or from "main.ts"
  --quick                small counts for a smoke run (a few seconds)
  --strict               exit 1 when a target of issue 10 is not met
  -h, --help             show this help
`;

/** The benchmark's parameters, after defaults and `--quick`. */
interface BenchOptions extends RoundOptions {
  rounds: number;
  spawns: number;
  floodCount: number;
  responseMode: "sse" | "json";
  entry: "bundle" | "main.ts";
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
      entry: { type: "string" },
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
  const entry = values.entry ?? "bundle";
  if (entry !== "bundle" && entry !== "main.ts") {
    throw new Error(`Invalid value for --entry: "${entry}" (bundle or main.ts)`);
  }
  return {
    rounds: parseCount("rounds", values.rounds, quick ? 1 : 5),
    warmup: parseCount("warmup", values.warmup, quick ? 20 : 300, 0),
    calls: parseCount("calls", values.calls, quick ? 50 : 2000),
    throughputCalls: parseCount("throughput-calls", values["throughput-calls"], quick ? 200 : 6000),
    concurrency: parseCount("concurrency", values.concurrency, 64),
    bigBytes: parseCount("big-bytes", values["big-bytes"], 5 * 1024 * 1024),
    bigRuns: parseCount("big-runs", values["big-runs"], quick ? 1 : 9),
    spawns: parseCount("spawns", values.spawns, quick ? 3 : 21),
    idleMs: parseCount("idle-ms", values["idle-ms"], quick ? 200 : 1000, 0),
    floodCount: parseCount("flood-count", values["flood-count"], quick ? 10_000 : 100_000),
    responseMode,
    entry,
    strict: values.strict === true,
  };
}

const ROOT = new URL("../", import.meta.url);
const FLOOR_RELAY = new URL("bench/floor_relay.ts", ROOT).pathname;

/**
 * The floor relay toward `url`, for a 2025 client or (with `meta`) a 2026-07-28 one. With
 * `streamSse` it reads each SSE body as a stream through `eventsource-parser` (with deno.json for
 * the package): the work a relay must do to pass on a server's requests before its answer, priced
 * alone. A reference for the 2025 SSE path, not a target.
 */
function floorProgram(
  url: URL,
  { meta, streamSse = false }: { meta?: Record<string, unknown>; streamSse?: boolean } = {},
): Program {
  return {
    args: [
      "run",
      "-q",
      "--no-prompt",
      ...(streamSse
        ? [`--config=${new URL("deno.json", ROOT).pathname}`, "--allow-net", "--allow-read"]
        : ["--no-config", "--allow-net"]),
      FLOOR_RELAY,
      url.href,
      ...(meta ? ["--modern"] : []),
      ...(streamSse ? ["--stream-sse"] : []),
    ],
    env: baseEnv(),
    meta,
  };
}

/** The bridge toward `url`; `env` fixes its home (and so its state file) across spawns. */
function bridgeProgram(
  entry: string[],
  env: Record<string, string>,
  meta?: Record<string, unknown>,
): Program {
  return { args: entry, env, meta };
}

/** A fresh home for the bridge toward `url`: the state a first start finds (no era known). */
function bridgeEnv(url: URL): Record<string, string> {
  return baseEnv({ MCP_SERVER_URL: url.href, MCP_CLIENT_LOG_LEVEL: "WARNING" });
}

function log(text: string): void {
  console.error(`[bench] ${text}`);
}

/** Interleaved rounds of each program; the order rotates each round. */
async function rounds(
  programs: Record<string, Program>,
  o: BenchOptions & { bigBytes: number },
  what: string,
): Promise<
  { medians: Record<string, ProgramFigures>; perRound: Record<string, ProgramFigures[]> }
> {
  const perRound: Record<string, ProgramFigures[]> = {};
  const names = Object.keys(programs);
  for (let round = 0; round < o.rounds; round++) {
    for (const name of inTurnOrder(names, round)) {
      log(`${what}, round ${round + 1}/${o.rounds}: ${name}`);
      (perRound[name] ??= []).push(await measureProgram(programs[name], name, o));
    }
  }
  const medians = Object.fromEntries(
    Object.entries(perRound).map(([name, figures]) => [name, medianFigures(figures)]),
  );
  return { medians, perRound };
}

/**
 * Each target figure's bridge/floor ratio round by round (spawn by spawn for the start, its
 * middle half), and the idle RSS's range over the rounds.
 */
function roundSpreads(
  bridge: ProgramFigures[],
  floor: ProgramFigures[],
  starts: Record<string, number[]>,
): Partial<Record<FigureName, RatioSpread>> {
  const spreads: Partial<Record<FigureName, RatioSpread>> = {};
  for (const { figure } of FLOOR_TARGETS) {
    const spread = figure === "initializeMs"
      ? pairedRatioSpread(starts.bridge, starts.floor, true)
      : pairedRatioSpread(bridge.map((r) => r[figure]), floor.map((r) => r[figure]));
    if (spread) spreads[figure] = spread;
  }
  const idle = bridge.map((r) => r.idleRssKiB).filter(Number.isFinite);
  if (idle.length > 0) spreads.idleRssKiB = { low: Math.min(...idle), high: Math.max(...idle) };
  return spreads;
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

const mib = (kib: number) => Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : "n/a";
const us = (value: number) => Number.isFinite(value) ? `${value.toFixed(0)} µs` : "n/a";
const perSecond = (value: number) => Number.isFinite(value) ? `${value.toFixed(0)}` : "n/a";

/** The figures a floor is compared on when its start and idle memory are not comparable. */
const PER_CALL_FIGURES: readonly FigureName[] = [
  "latencyP50Ms",
  "latencyP99Ms",
  "callsPerSecond",
  "bigResultMs",
  "peakKiB",
  "cpuPerCallUs",
];

/**
 * The rows of one bridge-against-floor table, with an optional third column; `only` keeps the
 * rows of those figures.
 */
function comparisonRows(
  b: ProgramFigures,
  f: ProgramFigures,
  o: BenchOptions,
  { extra, only }: { extra?: Partial<ProgramFigures>; only?: readonly FigureName[] } = {},
): string[][] {
  const bigLabel = `${(o.bigBytes / 1024 / 1024).toFixed(o.bigBytes % 1048576 ? 2 : 0)} MiB`;
  const row = (label: string, figure: FigureName, format: (value: number) => string = formatMs) => {
    if (only && !only.includes(figure)) return undefined;
    const cells = [label, format(b[figure]), format(f[figure]), formatRatio(b[figure], f[figure])];
    if (!extra) return cells;
    const value = extra[figure];
    return [
      ...cells,
      value === undefined ? "" : format(value),
      value === undefined ? "" : formatRatio(b[figure], value),
    ];
  };
  return [
    row("spawn → first answer (state kept)", "initializeMs"),
    row("sequential call p50", "latencyP50Ms"),
    row("sequential call p99", "latencyP99Ms"),
    row(`${o.concurrency} in flight, calls/s`, "callsPerSecond", perSecond),
    row(`${bigLabel} result`, "bigResultMs"),
    row("peak RSS (process tree)", "peakKiB", mib),
    row("CPU per call", "cpuPerCallUs", us),
    row("idle RSS after the first answer", "idleRssKiB", mib),
  ].filter((cells) => cells !== undefined);
}

function targetTable(
  title: string,
  b: ProgramFigures,
  f: ProgramFigures,
  spreads: Partial<Record<FigureName, RatioSpread>>,
) {
  const targets = checkFloorTargets(b, f, spreads);
  const table = formatTable(
    [title, "wanted", "measured", "rounds ⁵", "status"],
    targets.map((t) => [t.name, t.target, t.measured, t.spread ?? "", targetStatus(t)]),
  );
  return { targets, table };
}

const figures = (x: Partial<ProgramFigures>) =>
  Object.fromEntries(
    Object.entries(x).map(([key, value]) => [key, Number.isFinite(value) ? round(value!) : null]),
  );

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

  const entry = o.entry === "bundle" ? bundleArgs(await buildBundle(), []) : mainArgs([]);
  log(
    `the bridge runs from ${o.entry === "bundle" ? "the bundle the binary compiles" : "main.ts"}`,
  );
  await using server = await startMcpServer({ responseMode: o.responseMode, eventStore: false });
  await using modernServer = await startDualEraServer({ eras: "modern" });
  log(`2025-11-25 server at ${server.url.href} (${o.responseMode} responses)`);
  log(`2026-07-28 server at ${modernServer.url.href}, load ${loadBefore}`);

  // The kept state a client's every start after the first finds (the era is remembered).
  const legacyEnv = bridgeEnv(server.url);
  const modernEnv = bridgeEnv(modernServer.url);
  const translatingEnv = bridgeEnv(modernServer.url);
  const legacy = {
    bridge: bridgeProgram(entry, legacyEnv),
    floor: floorProgram(server.url),
  };
  // Only SSE bodies are read as streams; with JSON answers it would be the floor again.
  const streaming: Record<string, Program> = o.responseMode === "sse"
    ? { "streaming floor": floorProgram(server.url, { streamSse: true }) }
    : {};
  const modern = {
    bridge: bridgeProgram(entry, modernEnv, MODERN_CLIENT_META),
    floor: floorProgram(modernServer.url, { meta: MODERN_CLIENT_META }),
  };

  // One start first, so the new bundle's compiled code is cached as for every later start.
  await startUps({ warm: [...entry, "--version"] }, baseEnv(), 1);
  log(`start-up: ${o.spawns} × --version and an empty deno run, interleaved`);
  const emptyScript = await Deno.makeTempFile({ suffix: ".ts" });
  const versions = await startUps(
    {
      version: [...entry, "--version"],
      empty: ["run", "-q", "--no-prompt", "--no-config", emptyScript],
    },
    baseEnv(),
    o.spawns,
  );
  await Deno.remove(emptyScript);

  log(`start-up: ${o.spawns} × a command-line tool call (-c) per server era, interleaved`);
  const requestsBefore = { legacy: server.requests.length, modern: modernServer.requests.length };
  const cliCalls = await startUps(
    {
      legacy: [...entry, "--server-url", server.url.href, "-c", "echo message=hi"],
      modern: [...entry, "--server-url", modernServer.url.href, "-c", "echo message=hi"],
    },
    baseEnv({ MCP_CLIENT_LOG_LEVEL: "WARNING" }),
    o.spawns,
  );
  const cliRequests = {
    legacy: (server.requests.length - requestsBefore.legacy) / o.spawns,
    modern: (modernServer.requests.length - requestsBefore.modern) / o.spawns,
  };

  log(`start-up: ${o.spawns} × spawn → first answer, per server era, interleaved`);
  const legacyStartSamples = await firstAnswers({
    floor: () => legacy.floor,
    bridge: () => legacy.bridge,
    "bridge, first start": () => bridgeProgram(entry, bridgeEnv(server.url)),
  }, o.spawns);
  const modernStartSamples = await firstAnswers({
    floor: () => modern.floor,
    bridge: () => modern.bridge,
    "bridge, first start": () =>
      bridgeProgram(entry, bridgeEnv(modernServer.url), MODERN_CLIENT_META),
  }, o.spawns);

  const medianOf = (samples: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, median(s)]));
  const legacyStarts = medianOf(legacyStartSamples);
  const modernStarts = medianOf(modernStartSamples);

  const legacyFigures = await rounds(
    { ...legacy, ...streaming },
    o,
    "2025-11-25 server, 2025 client",
  );
  const modernFigures = await rounds(modern, o, "2026-07-28 server, 2026-07-28 client");
  const translated = await rounds(
    { bridge: bridgeProgram(entry, translatingEnv) },
    { ...o, bigBytes: 0 },
    "2026-07-28 server, 2025 client (translated)",
  );
  log("in-process SDK client");
  const sdk = await measureSdkClient(server.url, o);
  log("stalled-reader flood");
  const flood = await measureStalledFlood({ count: o.floodCount });
  const loadAfter = readLoad();

  const b = { ...legacyFigures.medians.bridge, initializeMs: legacyStarts.bridge };
  const f = { ...legacyFigures.medians.floor, initializeMs: legacyStarts.floor };
  const bm = { ...modernFigures.medians.bridge, initializeMs: modernStarts.bridge };
  const fm = { ...modernFigures.medians.floor, initializeMs: modernStarts.floor };
  const t = translated.medians.bridge;
  const sf: ProgramFigures | undefined = legacyFigures.medians["streaming floor"];
  const legacyTargets = targetTable(
    "target (issue 10), 2025-11-25 server",
    b,
    f,
    roundSpreads(legacyFigures.perRound.bridge, legacyFigures.perRound.floor, legacyStartSamples),
  );
  const modernTargets = targetTable(
    "target (issue 10), 2026-07-28 server",
    bm,
    fm,
    roundSpreads(modernFigures.perRound.bridge, modernFigures.perRound.floor, modernStartSamples),
  );

  console.log("");
  console.log(
    `mcp-streamablehttp-client benchmark — Deno ${Deno.version.deno}, ${Deno.build.os}/` +
      `${Deno.build.arch}, ${navigator.hardwareConcurrency} CPUs, load ${loadBefore} → ` +
      `${loadAfter}, bridge from ${o.entry === "bundle" ? "the bundle" : "main.ts"}, ` +
      `medians of ${o.rounds} interleaved rounds (start-ups: of ${o.spawns} spawns)`,
  );
  console.log("");
  console.log(formatTable(
    [
      "2025-11-25 server (SSE), 2025 client",
      "bridge",
      "floor relay",
      "bridge/floor",
      "SDK ²",
      "bridge/SDK",
    ],
    [
      ...comparisonRows(b, f, o, { extra: sdk }),
      [
        "spawn → first answer, first start ¹",
        formatMs(legacyStarts["bridge, first start"]),
        formatMs(legacyStarts.floor),
        formatRatio(legacyStarts["bridge, first start"], legacyStarts.floor),
      ],
      [
        "--version start-up",
        formatMs(versions.version),
        `${formatMs(versions.empty)} ³`,
        formatRatio(versions.version, versions.empty),
      ],
    ],
  ));
  if (sf) {
    console.log("");
    console.log(formatTable(
      ["2025-11-25 server (SSE), 2025 client", "bridge", "streaming floor ⁶", "bridge/streaming"],
      comparisonRows(b, sf, o, { only: PER_CALL_FIGURES }),
    ));
  }
  console.log("");
  console.log(formatTable(
    ["2026-07-28 server, 2026-07-28 client", "bridge", "floor relay", "bridge/floor"],
    [
      ...comparisonRows(bm, fm, o),
      [
        "spawn → first answer, first start ¹",
        formatMs(modernStarts["bridge, first start"]),
        formatMs(modernStarts.floor),
        formatRatio(modernStarts["bridge, first start"], modernStarts.floor),
      ],
    ],
  ));
  console.log("");
  console.log(formatTable(["command-line tool call (-c) ⁷", "spawn → exit", "requests"], [
    ["2025-11-25 server", formatMs(cliCalls.legacy), String(cliRequests.legacy)],
    ["2026-07-28 server", formatMs(cliCalls.modern), String(cliRequests.modern)],
  ]));
  console.log("");
  console.log(formatTable(["2026-07-28 server, 2025 client ⁴", "bridge"], [
    ["sequential call p50", formatMs(t.latencyP50Ms)],
    ["sequential call p99", formatMs(t.latencyP99Ms)],
    [`${o.concurrency} in flight, calls/s`, perSecond(t.callsPerSecond)],
    ["peak RSS (process tree)", mib(t.peakKiB)],
    ["CPU per call", us(t.cpuPerCallUs)],
    ["idle RSS after initialize", mib(t.idleRssKiB)],
  ]));
  console.log(
    "¹ an empty state directory: the bridge probes the server's era first (server/discover)\n" +
      "² in-process SDK Client + StreamableHTTPClientTransport, no spawn, no stdio\n" +
      "³ an empty script under deno run\n" +
      "⁴ the bridge translates between eras; no relay without translation can serve this pairing",
  );
  console.log("");
  console.log(
    formatTable(["stalled-reader flood (bridge only)", "value"], formatStalledFloodRows(flood)),
  );
  console.log("");
  console.log(legacyTargets.table);
  console.log("");
  console.log(modernTargets.table);
  console.log(
    `⁵ the lowest and highest bridge/floor ratio of the ${o.rounds} rounds; for the start, the ` +
      `middle half of the ${o.spawns} spawn-by-spawn ratios; for idle RSS, the bridge's range`,
  );
  if (sf) {
    console.log(
      "⁶ the floor relay reading each SSE body as a stream through eventsource-parser and writing\n" +
        "  each event once complete, as a relay must to pass on a server's requests before its\n" +
        "  answer (the floor reads the whole body at once); a reference, not a target",
    );
  }
  console.log(
    "⁷ -c 'echo message=hi' in a fresh process, as a CI step runs it; the command-line modes never\n" +
      "  write the era, so every run probes the server first; requests counted at the server",
  );
  console.log("");

  const targetsJson = (targets: TargetCheck[]) =>
    Object.fromEntries(
      targets.map((t) => [t.name, {
        measured: t.measured,
        met: t.met,
        spread: t.spread,
        met_every_round: t.metEvery,
      }]),
    );
  console.log(JSON.stringify({
    bench: "mcp-streamablehttp-client",
    deno: Deno.version.deno,
    os: `${Deno.build.os}/${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    load: { before: loadBefore, after: loadAfter },
    entry: o.entry,
    response_mode: o.responseMode,
    params: { ...o, strict: undefined },
    startup_ms: {
      version: round(versions.version, 1),
      empty_deno_run: round(versions.empty, 1),
      legacy: figures(legacyStarts as unknown as Partial<ProgramFigures>),
      modern: figures(modernStarts as unknown as Partial<ProgramFigures>),
      cli_call: { legacy: round(cliCalls.legacy, 1), modern: round(cliCalls.modern, 1) },
    },
    cli_call_requests: cliRequests,
    legacy_server: {
      bridge: figures(b),
      floor: figures(f),
      sdk_client: figures(sdk),
      ...(sf ? { streaming_floor: figures(sf) } : {}),
    },
    modern_server: { bridge: figures(bm), floor: figures(fm), translated_bridge: figures(t) },
    stalled_flood: stalledFloodSummary(flood),
    targets: {
      legacy_server: targetsJson(legacyTargets.targets),
      modern_server: targetsJson(modernTargets.targets),
    },
  }));
  const unmet = [...legacyTargets.targets, ...modernTargets.targets].some((t) => !t.met);
  return o.strict && unmet ? 1 : 0;
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
