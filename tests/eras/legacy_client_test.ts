import assert from "node:assert/strict";
import {
  classifyModernResult,
  INITIAL_LEGACY_STATE,
  type LegacyClientState,
  routeLegacyNotification,
  routeLegacyRequest,
  stampMeta,
  synthesizeInitializeResult,
  toModernClientCapabilities,
} from "../../lib/eras/legacy_client.ts";
import { detectClientEra } from "../../lib/eras/wire.ts";
import type { JsonRpcRequest } from "../../lib/jsonrpc/message.ts";

const PV = "io.modelcontextprotocol/protocolVersion";
const CAPS = "io.modelcontextprotocol/clientCapabilities";
const INFO = "io.modelcontextprotocol/clientInfo";
const LEVEL = "io.modelcontextprotocol/logLevel";

function req(method: string, params?: Record<string, unknown>, id: number | string = 1) {
  return { jsonrpc: "2.0", id, method, ...(params ? { params } : {}) } as JsonRpcRequest;
}

const hello = {
  protocolVersion: "2025-06-18",
  capabilities: { elicitation: {}, roots: { listChanged: true }, tasks: { list: {} } },
  clientInfo: { name: "claude", version: "1" },
};
const started: LegacyClientState = { ...INITIAL_LEGACY_STATE, hello };

Deno.test("eras: the client's era is read from its first message", () => {
  const table: Array<[JsonRpcRequest, string | undefined]> = [
    [req("initialize", { protocolVersion: "2025-11-25" }), "legacy"],
    [req("server/discover"), "modern"],
    [req("tools/list", { _meta: { [PV]: "2026-07-28" } }), "modern"],
    [req("tools/list", { _meta: { [PV]: "2099-01-01" } }), "modern"],
    [req("tools/list", { _meta: { [PV]: "2025-11-25" } }), undefined],
    [req("tools/list"), undefined],
  ];
  for (const [message, era] of table) assert.equal(detectClientEra(message), era, message.method);
});

Deno.test("eras N-31: initialize is answered from the DiscoverResult", () => {
  const discover = {
    resultType: "complete",
    supportedVersions: ["2026-07-28"],
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      logging: {},
      extensions: { "io.modelcontextprotocol/tasks": {} },
    },
    instructions: "Be nice",
    ttlMs: 0,
    cacheScope: "public",
    _meta: { "io.modelcontextprotocol/serverInfo": { name: "modern", version: "2.4.0" } },
  };
  assert.deepEqual(
    synthesizeInitializeResult(discover, { requestedVersion: "2025-06-18", listChanged: true }),
    {
      protocolVersion: "2025-06-18",
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        logging: {},
      },
      serverInfo: { name: "modern", version: "2.4.0" },
      instructions: "Be nice",
    },
  );
  const unknownVersion = synthesizeInitializeResult(discover, {
    requestedVersion: "2099-01-01",
    listChanged: false,
  });
  assert.equal(unknownVersion.protocolVersion, "2025-11-25");
  assert.deepEqual(unknownVersion.capabilities, {
    tools: {},
    resources: { subscribe: true },
    logging: {},
  });
  assert.deepEqual(
    synthesizeInitializeResult({ capabilities: {} }, { requestedVersion: 1, listChanged: true })
      .serverInfo,
    { name: "unknown", version: "unknown" },
  );
});

Deno.test("eras N-32: every forwarded request carries the client's _meta", () => {
  const state: LegacyClientState = { ...started, logLevel: "debug" };
  const route = routeLegacyRequest(
    req("tools/call", { name: "echo", _meta: { progressToken: 7, traceparent: "00-x" } }, 4),
    state,
    "d",
  );
  assert.deepEqual(route, {
    kind: "forward",
    mrtr: true,
    request: req("tools/call", {
      name: "echo",
      _meta: {
        progressToken: 7,
        traceparent: "00-x",
        [PV]: "2026-07-28",
        [CAPS]: { elicitation: {}, roots: {} },
        [INFO]: { name: "claude", version: "1" },
        [LEVEL]: "debug",
      },
    }, 4),
  });
  assert.deepEqual(toModernClientCapabilities({ sampling: { tools: {} }, tasks: {} }), {
    sampling: { tools: {} },
  });
  assert.deepEqual(stampMeta(undefined, INITIAL_LEGACY_STATE), {
    _meta: { [PV]: "2026-07-28", [CAPS]: {} },
  });
  const list = routeLegacyRequest(req("tools/list"), started, "d");
  assert.equal(list.kind === "forward" && list.mrtr, false);
});

Deno.test("eras N-30/N-33: what the bridge answers itself", () => {
  const first = routeLegacyRequest(req("initialize", hello), INITIAL_LEGACY_STATE, "disc-1");
  assert.equal(first.kind, "discover");
  if (first.kind === "discover") {
    assert.deepEqual(first.hello, hello);
    assert.equal(first.discover.method, "server/discover");
    assert.equal(first.discover.id, "disc-1");
    assert.deepEqual(first.discover.params?._meta, {
      [PV]: "2026-07-28",
      [CAPS]: { elicitation: {}, roots: {} },
      [INFO]: hello.clientInfo,
    });
  }
  const initialized = { ...started, initializeResult: { protocolVersion: "2025-06-18" } };
  assert.deepEqual(routeLegacyRequest(req("initialize", hello), initialized, "d"), {
    kind: "answer",
    result: { protocolVersion: "2025-06-18" },
    state: initialized,
  });
  assert.deepEqual(routeLegacyRequest(req("ping"), started, "d"), {
    kind: "answer",
    result: {},
    state: started,
  });
  const level = routeLegacyRequest(req("logging/setLevel", { level: "warning" }), started, "d");
  assert.equal(level.kind === "answer" && level.state.logLevel, "warning");
  const sub = routeLegacyRequest(req("resources/subscribe", { uri: "a://1" }), started, "d");
  assert.ok(sub.kind === "answer");
  assert.deepEqual(sub.state.resourceSubscriptions, ["a://1"]);
  const again = routeLegacyRequest(req("resources/subscribe", { uri: "a://1" }), sub.state, "d");
  assert.ok(again.kind === "answer");
  assert.deepEqual(again.state.resourceSubscriptions, ["a://1"]);
  const unsub = routeLegacyRequest(req("resources/unsubscribe", { uri: "a://1" }), sub.state, "d");
  assert.ok(unsub.kind === "answer");
  assert.deepEqual(unsub.state.resourceSubscriptions, []);
  const bad = routeLegacyRequest(req("logging/setLevel", {}), started, "d");
  assert.equal(bad.kind === "refuse" && bad.error.code, -32602);
});

Deno.test("eras N-33: client notifications are swallowed, cancellation is kept", () => {
  const n = (method: string, params?: Record<string, unknown>) => ({
    jsonrpc: "2.0" as const,
    method,
    ...(params ? { params } : {}),
  });
  assert.equal(routeLegacyNotification(n("notifications/initialized")).kind, "drop");
  assert.equal(routeLegacyNotification(n("notifications/roots/list_changed")).kind, "drop");
  assert.deepEqual(
    routeLegacyNotification(n("notifications/cancelled", { requestId: 3, reason: "x" })),
    { kind: "cancel", requestId: 3 },
  );
});

Deno.test("eras N-40: 2025 tasks are refused with a reason", () => {
  for (
    const request of [
      req("tasks/list"),
      req("tasks/result", { taskId: "t" }),
      req("tools/call", { name: "x", task: { ttl: 1000 } }),
    ]
  ) {
    const route = routeLegacyRequest(request, started, "d");
    assert.equal(route.kind, "refuse", request.method);
    if (route.kind === "refuse") {
      assert.equal(route.error.code, -31011);
      assert.match(route.error.message, /^Cannot translate .* for a 2026-07-28 server: /);
      assert.equal((route.error.data as { kind: string }).kind, "untranslatable");
    }
  }
});

Deno.test("eras N-37: resultType decides how a result reaches a 2025-era client", () => {
  assert.deepEqual(
    classifyModernResult("tools/list", { resultType: "complete", tools: [], ttlMs: 5 }),
    { kind: "complete", result: { tools: [], ttlMs: 5 } },
  );
  assert.deepEqual(classifyModernResult("tools/list", { tools: [] }), {
    kind: "complete",
    result: { tools: [] },
  });
  assert.deepEqual(
    classifyModernResult("tools/call", {
      resultType: "input_required",
      inputRequests: { a: { method: "roots/list" } },
      requestState: "s",
    }),
    { kind: "input_required", inputRequests: { a: { method: "roots/list" } }, requestState: "s" },
  );
  assert.deepEqual(
    classifyModernResult("tools/call", { resultType: "input_required", requestState: "s" }),
    { kind: "input_required", inputRequests: {}, requestState: "s" },
  );
  assert.equal(
    classifyModernResult("tools/call", { resultType: "input_required" }).kind,
    "invalid",
  );
  assert.equal(
    classifyModernResult("tools/list", { resultType: "input_required", requestState: "s" }).kind,
    "invalid",
  );
  const task = classifyModernResult("tools/call", { resultType: "task", task: {} });
  assert.ok(task.kind === "invalid");
  assert.match(task.reason, /resultType "task"/);
});
