/**
 * Long-lived connections and oversize messages against real peers on 127.0.0.1: a proxy that
 * drops idle streams and then refuses for a while, and servers that send one message larger
 * than the limit. The session under test runs in this process with small, injected limits and
 * an immediate scheduler, so nothing waits for real time.
 */
import assert from "node:assert/strict";
import { withDeadline } from "../../lib/async.ts";
import { BridgeError } from "../../lib/errors.ts";
import type { JsonRpcMessage } from "../../lib/jsonrpc/message.ts";
import type { TransportChoice } from "../../lib/config/settings.ts";
import { createTransport } from "../../lib/transport/connect.ts";
import type { Scheduler } from "../../lib/transport/resumable_stream.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import { startIdleProxy } from "../fixtures/idle_proxy.ts";
import { startLegacyServer } from "../fixtures/legacy_server.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import {
  callTool,
  createCapturingLogger,
  handshake,
  Inbox,
  resultText,
} from "../transport/harness.ts";
import { initialize, startBridge } from "../support/bridge_process.ts";

/** Waits return at once, so back-off costs no time. */
const IMMEDIATE: Scheduler = {
  sleep: (_ms, signal) => signal.aborted ? Promise.reject(signal.reason) : Promise.resolve(),
};

function connect(url: URL, choice: TransportChoice, maxMessageBytes?: number) {
  const inbox = new Inbox();
  const { log, lines } = createCapturingLogger();
  const transport = createTransport({
    url,
    headers: [],
    credentials: createStaticCredentials("token"),
    onMessage: inbox.handler,
    fetch: globalThis.fetch,
    log,
    choice,
    reconnectDelayMs: 1,
    scheduler: IMMEDIATE,
    maxMessageBytes,
  });
  return { inbox, lines, transport };
}

function isLog(text: string) {
  return (m: JsonRpcMessage) =>
    "method" in m && m.method === "notifications/message" &&
    (m.params as { data?: unknown } | undefined)?.data === text;
}

Deno.test("idle proxy: a dropped GET stream is reopened through a run of refusals", async () => {
  await using server = await startMcpServer();
  await using proxy = startIdleProxy(server.url);
  const { inbox, transport } = connect(proxy.url, "streamable-http");
  try {
    const firstOpen = proxy.whenStreamOpens();
    await handshake(transport);
    await withDeadline(firstOpen, { ms: 15_000 });
    await transport.send(callTool(1, "log", { message: "before the drop" }));
    await inbox.waitFor(isLog("before the drop"));

    proxy.refuseNext(12, 502, "GET"); // more than any fixed number of attempts
    const reopened = proxy.whenStreamOpens();
    assert.equal(proxy.dropStreams(), 1);
    await withDeadline(reopened, {
      ms: 15_000,
      onTimeout: () => new Error("GET stream not reopened"),
    });
    await transport.send(callTool(2, "log", { message: "after the drop" }));
    await inbox.waitFor(isLog("after the drop"));
  } finally {
    await transport.close();
  }
  assert.equal(proxy.log.filter((line) => line === "GET 502").length, 12);
});

for (const responseMode of ["json", "sse"] as const) {
  Deno.test(`oversize: ${responseMode} answer over the limit fails that request only`, async () => {
    await using server = await startMcpServer({ responseMode });
    const { inbox, transport } = connect(server.url, "streamable-http", 10_000);
    try {
      await handshake(transport);
      const error = await transport.send(callTool(1, "big", { bytes: 20_000 })).catch((e) => e);
      assert.ok(error instanceof BridgeError, String(error));
      assert.equal(error.kind, "protocol");
      assert.match(error.message, /larger than the limit of 9\.8 KiB/);
      assert.equal(inbox.withId(1).length, 0);
      await transport.send(callTool(2, "big", { bytes: 5_000 }));
      assert.equal(resultText(inbox.withId(2)[0])?.length, 5_000);
    } finally {
      await transport.close();
    }
  });
}

Deno.test("oversize: on the legacy stream it fails the request; the stream reopens", async () => {
  await using server = await startLegacyServer();
  const { inbox, transport } = connect(server.url, "sse", 10_000);
  try {
    await handshake(transport, "2024-11-05");
    const error = await transport.send(callTool(1, "big", { bytes: 20_000 })).catch((e) => e);
    assert.ok(error instanceof BridgeError, String(error));
    assert.equal(error.kind, "protocol");
    await transport.send(callTool(2, "echo", { message: "still here" }));
    assert.equal(resultText(inbox.withId(2)[0]), "still here");
  } finally {
    await transport.close();
  }
});

for (const withJar of [true, false]) {
  Deno.test(`cookies: the bridge ${withJar ? "keeps" : "ignores"} a sticky cookie`, async () => {
    await using server = await startMcpServer();
    await using proxy = startIdleProxy(server.url, { stickyCookie: "lb=backend-7" });
    const args = ["--server-url", proxy.url.href, ...(withJar ? ["--cookies"] : [])];
    await using bridge = startBridge(args);
    await initialize(bridge);
    await bridge.send({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    await bridge.response(1);
    await bridge.end();
    assert.equal(proxy.cookies[0], null, "the first request has no cookie yet");
    const later = proxy.cookies.slice(1);
    assert.ok(later.length >= 2);
    for (const cookie of later) assert.equal(cookie, withJar ? "lb=backend-7" : null);
  });
}
