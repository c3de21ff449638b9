import assert from "node:assert/strict";
import {
  answerParkedRequest,
  classifyLegacyNotification,
  createDiscoverRefusal,
  createDiscoverResult,
  createInputRequired,
  createLegacyInitialize,
  honouredFilter,
  listenWants,
  mergeCapabilities,
  readEnvelope,
  tagForListen,
  toLegacyRequest,
  toModernResult,
} from "../../lib/eras/modern_client.ts";

const PV = "io.modelcontextprotocol/protocolVersion";
const CAPS = "io.modelcontextprotocol/clientCapabilities";
const INFO = "io.modelcontextprotocol/clientInfo";
const LEVEL = "io.modelcontextprotocol/logLevel";
const SUB = "io.modelcontextprotocol/subscriptionId";

const meta = {
  [PV]: "2026-07-28",
  [CAPS]: { elicitation: { form: {} }, extensions: { x: {} } },
  [INFO]: { name: "sdk-v2", version: "2.4.0" },
  [LEVEL]: "info",
  progressToken: "p1",
};

Deno.test("eras N-52: the legacy session is opened with the client's _meta", () => {
  const envelope = readEnvelope({ _meta: meta });
  assert.deepEqual(envelope, {
    protocolVersion: "2026-07-28",
    capabilities: { elicitation: { form: {} }, extensions: { x: {} } },
    clientInfo: { name: "sdk-v2", version: "2.4.0" },
    logLevel: "info",
  });
  assert.deepEqual(createLegacyInitialize("i", envelope), {
    jsonrpc: "2.0",
    id: "i",
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: { elicitation: { form: {} } },
      clientInfo: { name: "sdk-v2", version: "2.4.0" },
    },
  });
  assert.deepEqual(readEnvelope(undefined), { capabilities: {} });
  assert.deepEqual(
    mergeCapabilities({ elicitation: { form: {} } }, { elicitation: { url: {} }, sampling: {} }),
    { elicitation: { form: {}, url: {} }, sampling: {} },
  );
});

Deno.test("eras N-51/N-52: server/discover is answered from initialize, or refused", () => {
  assert.deepEqual(
    createDiscoverResult({
      protocolVersion: "2025-11-25",
      capabilities: { tools: { listChanged: true }, tasks: { list: {} } },
      serverInfo: { name: "legacy", version: "1" },
      instructions: "hi",
    }),
    {
      resultType: "complete",
      supportedVersions: ["2026-07-28"],
      capabilities: { tools: { listChanged: true } },
      instructions: "hi",
      ttlMs: 0,
      cacheScope: "private",
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "legacy", version: "1" } },
    },
  );
  const refusal = createDiscoverRefusal(["2025-11-25"], "the bridge could not open a session");
  assert.equal(refusal.code, -32601);
  assert.notEqual(refusal.code, -32022);
  assert.match(refusal.message, /speaks MCP 2025-11-25/);
  assert.deepEqual((refusal.data as { upstreamVersions: string[] }).upstreamVersions, [
    "2025-11-25",
  ]);
});

Deno.test("eras N-52: requests lose the modern envelope, results gain resultType", () => {
  assert.deepEqual(
    toLegacyRequest({
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "echo", arguments: {}, _meta: meta },
    }),
    {
      request: {
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "echo", arguments: {}, _meta: { progressToken: "p1" } },
      },
    },
  );
  assert.deepEqual(
    toLegacyRequest({
      jsonrpc: "2.0",
      id: 6,
      method: "tools/call",
      params: {
        name: "confirm",
        _meta: { [PV]: "2026-07-28" },
        requestState: "s",
        inputResponses: { k: { action: "accept" } },
      },
    }),
    {
      request: { jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "confirm" } },
      retry: { requestState: "s", inputResponses: { k: { action: "accept" } } },
    },
  );
  assert.deepEqual(toModernResult("tools/call", { content: [] }), {
    content: [],
    resultType: "complete",
  });
  assert.deepEqual(toModernResult("tools/list", { tools: [] }), {
    tools: [],
    resultType: "complete",
    ttlMs: 0,
    cacheScope: "private",
  });
});

Deno.test("eras N-52: a parked server request becomes input_required and its answer", () => {
  assert.deepEqual(
    createInputRequired("e1", {
      jsonrpc: "2.0",
      id: 3,
      method: "elicitation/create",
      params: { mode: "url", message: "Go", url: "https://x.test", elicitationId: "el" },
    }, "mcp-streamablehttp-client:parked:1"),
    {
      resultType: "input_required",
      inputRequests: {
        e1: {
          method: "elicitation/create",
          params: { mode: "url", message: "Go", url: "https://x.test" },
        },
      },
      requestState: "mcp-streamablehttp-client:parked:1",
    },
  );
  assert.deepEqual(answerParkedRequest(3, "e1", { e1: { action: "accept" } }), {
    jsonrpc: "2.0",
    id: 3,
    result: { action: "accept" },
  });
  const missing = answerParkedRequest(3, "e1", {});
  assert.ok("error" in missing);
  assert.equal(missing.error.code, -32602);
});

Deno.test("eras N-52: legacy notifications reach a modern client only where it asked", () => {
  assert.equal(classifyLegacyNotification("notifications/tools/list_changed"), "listen");
  assert.equal(classifyLegacyNotification("notifications/resources/updated"), "listen");
  assert.equal(classifyLegacyNotification("notifications/elicitation/complete"), "removed");
  assert.equal(classifyLegacyNotification("notifications/message"), "log");
  assert.equal(classifyLegacyNotification("notifications/progress"), "relay");
  const filter = honouredFilter(
    { toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ["a://1", 3] },
    { tools: { listChanged: true }, resources: { subscribe: true } },
  );
  assert.deepEqual(filter, { toolsListChanged: true, resourceSubscriptions: ["a://1"] });
  assert.ok(listenWants(filter, "notifications/tools/list_changed", undefined));
  assert.ok(!listenWants(filter, "notifications/prompts/list_changed", undefined));
  assert.ok(listenWants(filter, "notifications/resources/updated", { uri: "a://1" }));
  assert.ok(!listenWants(filter, "notifications/resources/updated", { uri: "a://2" }));
  assert.deepEqual(tagForListen("notifications/resources/updated", { uri: "a://1" }, 9), {
    jsonrpc: "2.0",
    method: "notifications/resources/updated",
    params: { uri: "a://1", _meta: { [SUB]: 9 } },
  });
});
