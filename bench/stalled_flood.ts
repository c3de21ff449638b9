/**
 * The stalled-reader flood scenario of the benchmark: the flood fixture server answers one tool
 * call with a stream of notifications (about 100 MiB by default) while the stdio client stops
 * reading the bridge's stdout until the server has stopped sending, then reads everything. It
 * reports the bridge's peak RSS (`VmHWM`, Linux only) before and after, how far the server got
 * ahead of the stalled reader, whether every message arrived once and in order, and the time the
 * whole flood took. `bench.ts` calls {@link measureStalledFlood}; it is also runnable alone.
 *
 * @module
 */

import { startFloodServer } from "../tests/fixtures/flood_server.ts";
import { initialize, startBridge } from "../tests/support/bridge_process.ts";
import { readPeakRssBytes } from "../tests/support/proc_status.ts";

/** Options of {@link measureStalledFlood}. */
export interface StalledFloodOptions {
  /** Notifications in the flood (default 100 000). */
  count?: number;
  /** Padding per notification, in bytes (default 1000). */
  padBytes?: number;
  /** Which transport the bridge speaks to the flood server (default streamable-http). */
  transport?: "streamable-http" | "sse";
  /** A stream not pulled for this long counts as stalled, in ms (default 500). */
  quietMs?: number;
}

/** What one stalled-reader flood measured. */
export interface StalledFloodFigures {
  transport: "streamable-http" | "sse";
  /** Bytes the server sent in all. */
  floodBytes: number;
  /** Bytes the server had sent when the reader resumed. */
  aheadBytes: number;
  /** Whether the server was stalled (true) or had finished (false) when the reader resumed. */
  stalled: boolean;
  /** The bridge's peak RSS after initialize and after the flood, in bytes (Linux). */
  peakBeforeBytes?: number;
  peakAfterBytes?: number;
  /** Every notification arrived exactly once, in order, before the response. */
  deliveredInOrder: boolean;
  /** From the call to its response, in ms. */
  totalMs: number;
}

async function peak(pid: number): Promise<number | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  return await readPeakRssBytes(pid).catch(() => undefined);
}

/** Runs one stalled-reader flood against a freshly spawned bridge. */
export async function measureStalledFlood(
  options: StalledFloodOptions = {},
): Promise<StalledFloodFigures> {
  const count = options.count ?? 100_000;
  const transport = options.transport ?? "streamable-http";
  await using server = startFloodServer({ padBytes: options.padBytes ?? 1000 });
  const url = transport === "sse" ? server.legacyUrl : server.url;
  await using bridge = startBridge(["--server-url", url.href, "--transport", transport]);
  await initialize(bridge);
  const pid = bridge.process.pid;
  const peakBeforeBytes = await peak(pid);
  const stalledOrDone = server.stalledOrDone(options.quietMs ?? 500);
  bridge.holdStdout(stalledOrDone);
  const start = performance.now();
  await bridge.send({
    jsonrpc: "2.0",
    id: "flood",
    method: "tools/call",
    params: { name: "flood", arguments: { count } },
  });
  const outcome = await stalledOrDone;
  const aheadBytes = server.sentBytes;
  await bridge.response("flood", 300_000);
  const totalMs = performance.now() - start;
  const peakAfterBytes = await peak(pid);
  let next = 0;
  let deliveredInOrder = true;
  for (const message of bridge.messages) {
    if (message.method !== "notifications/message") continue;
    const seq = (message.params as { data?: { seq?: number } }).data?.seq;
    if (seq !== next++) deliveredInOrder = false;
  }
  deliveredInOrder &&= next === count;
  await bridge.end();
  return {
    transport,
    floodBytes: server.sentBytes,
    aheadBytes,
    stalled: outcome === "stalled",
    peakBeforeBytes,
    peakAfterBytes,
    deliveredInOrder,
    totalMs,
  };
}

/** Table rows (metric, value) for the figures. */
export function formatStalledFloodRows(figures: StalledFloodFigures): string[][] {
  const mib = (bytes: number | undefined) =>
    bytes === undefined ? "n/a" : `${(bytes / 1048576).toFixed(1)} MiB`;
  const label = `stalled-reader flood, ${mib(figures.floodBytes)} (${figures.transport})`;
  return [
    [`${label}: bridge peak RSS`, mib(figures.peakAfterBytes)],
    ["  peak RSS before the flood", mib(figures.peakBeforeBytes)],
    [
      "  server ahead of the stalled reader",
      figures.stalled ? mib(figures.aheadBytes) : `${mib(figures.aheadBytes)} (never stalled)`,
    ],
    ["  all delivered once, in order", figures.deliveredInOrder ? "yes" : "NO"],
    ["  flood time", `${figures.totalMs.toFixed(0)} ms`],
  ];
}

/** The figures as a JSON object for the benchmark's summary line. */
export function stalledFloodSummary(figures: StalledFloodFigures): Record<string, unknown> {
  const kib = (bytes: number | undefined) => bytes === undefined ? null : Math.round(bytes / 1024);
  return {
    transport: figures.transport,
    flood_kib: kib(figures.floodBytes),
    ahead_kib: kib(figures.aheadBytes),
    stalled: figures.stalled,
    peak_rss_before_kib: kib(figures.peakBeforeBytes),
    peak_rss_kib: kib(figures.peakAfterBytes),
    delivered_in_order: figures.deliveredInOrder,
    total_ms: Math.round(figures.totalMs),
  };
}

if (import.meta.main) {
  for (const transport of ["streamable-http", "sse"] as const) {
    const figures = await measureStalledFlood({ transport });
    for (const [metric, value] of formatStalledFloodRows(figures)) {
      console.log(`${metric}: ${value}`);
    }
    console.log(JSON.stringify(stalledFloodSummary(figures)));
  }
}
