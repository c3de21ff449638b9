/**
 * Era detection against real peers: the SDK v2 server (2026-only and dual-era) and the SDK v1
 * server (2025 only), the verdict remembered in a state file, and the probe's judgement as a
 * table.
 */
import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import type { JsonRpcResponse } from "../../lib/jsonrpc/message.ts";
import {
  createEraDetector,
  ERA_MEMORY_MAX_AGE_MS,
  ERA_STATE_KEY,
  type EraMemory,
  formatRememberedEra,
  judgeProbe,
  parseRememberedEra,
  refusesEra,
} from "../../lib/transport/era.ts";
import { createEraMemory } from "../../lib/transport/era_memory.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import { startDualEraServer } from "../fixtures/dual_era_server.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { createTempDir } from "../support/main_process.ts";
import { createCapturingLogger } from "./harness.ts";

function options(url: URL, memory?: EraMemory) {
  const { log } = createCapturingLogger();
  return {
    url,
    headers: [],
    credentials: createStaticCredentials(undefined),
    fetch: globalThis.fetch,
    log,
    protocol: "auto" as const,
    ...(memory ? { memory } : {}),
  };
}

function errorResponse(code: number, data?: unknown): JsonRpcResponse {
  return {
    jsonrpc: "2.0",
    id: 1,
    error: { code, message: "x", ...(data ? { data } : {}) },
  };
}

Deno.test("era: the probe's answer, judged", () => {
  const result = (versions?: string[]): JsonRpcResponse => ({
    jsonrpc: "2.0",
    id: 1,
    result: versions ? { supportedVersions: versions } : {},
  });
  assert.equal(judgeProbe(result(["2026-07-28"]), "2026-07-28"), "modern");
  assert.equal(
    judgeProbe(result(["2026-07-28", "2025-11-25"]), "2026-07-28"),
    "dual",
  );
  // An empty success (a 2025-era server answering any method) is no DiscoverResult.
  assert.equal(judgeProbe(result(), "2026-07-28"), "legacy");
  assert.equal(judgeProbe(result(["2025-11-25"]), "2026-07-28"), "legacy");
  assert.equal(judgeProbe(errorResponse(-32020), "2026-07-28"), "modern");
  assert.equal(judgeProbe(errorResponse(-32021), "2026-07-28"), "modern");
  assert.deepEqual(
    judgeProbe(
      errorResponse(-32022, { supported: ["2026-07-28"] }),
      "2099-01-01",
    ),
    { retryWith: "2026-07-28" },
  );
  assert.equal(
    judgeProbe(
      errorResponse(-32022, { supported: ["2026-07-28"] }),
      "2026-07-28",
    ),
    "modern",
  );
  assert.equal(
    judgeProbe(
      errorResponse(-32022, { supported: ["2025-11-25"] }),
      "2026-07-28",
    ),
    "legacy",
  );
  assert.equal(judgeProbe(errorResponse(-32000), "2026-07-28"), "legacy");
  assert.equal(judgeProbe(errorResponse(-32601), "2026-07-28"), "legacy");
});

Deno.test("era: remembered verdicts read back, malformed ones are ignored", () => {
  const checkedAt = new Date("2026-11-27T18:00:00.000Z");
  assert.deepEqual(
    parseRememberedEra(formatRememberedEra({ era: "dual", checkedAt })),
    {
      era: "dual",
      checkedAt,
    },
  );
  for (
    const junk of [
      undefined,
      "",
      "modern",
      "ancient 2026-11-27T18:00:00Z",
      "modern soon",
    ]
  ) {
    assert.equal(parseRememberedEra(junk), undefined, String(junk));
  }
});

// The SDK v2 dual-era server's DiscoverResult lists only 2026-07-28: it is served as modern.
for (
  const [kind, expected] of [["modern", "modern"], ["dual", "modern"], [
    "legacy",
    "legacy",
  ]] as const
) {
  Deno.test(`era: a ${kind} server is found by one server/discover probe`, async () => {
    await using server = kind === "legacy"
      ? await startMcpServer()
      : await startDualEraServer({ eras: kind });
    const detector = createEraDetector(options(server.url));
    assert.equal(await detector.detect(), expected);
    assert.equal(await detector.detect(), expected, "asked once per detector");
    assert.equal(server.requestsFor("server/discover").length, 1);
    const probe = server.requestsFor("server/discover")[0];
    assert.equal(probe.headers["mcp-protocol-version"], "2026-07-28");
    assert.equal(probe.headers["mcp-method"], "server/discover");
    assert.equal(probe.headers["mcp-session-id"], undefined);
    assert.equal(
      server.requestsFor("initialize").length,
      0,
      "the probe never initializes",
    );
    // The probe's DiscoverResult is handed on once (the 2025 client's initialize is answered
    // from it); a legacy server's refusal is not a result.
    const result = detector.takeDiscoverResult();
    if (expected === "legacy") assert.equal(result, undefined);
    else assert.deepEqual(result?.supportedVersions, ["2026-07-28"]);
    assert.equal(detector.takeDiscoverResult(), undefined, "taken once");
  });
}

Deno.test("era: the verdict is remembered in the state file; a later start does not probe", async () => {
  await using server = await startDualEraServer({ eras: "modern" });
  const path = `${createTempDir()}/server.env`;
  await Deno.writeTextFile(path, "MCP_CLIENT_ID=kept\n");
  let now = Date.parse("2026-11-27T18:00:00Z");
  const first = createEraDetector({
    ...options(server.url, createEraMemory(path)),
    now: () => now,
  });
  assert.equal(await first.detect(), "modern");
  const text = await Deno.readTextFile(path);
  assert.match(
    text,
    new RegExp(`${ERA_STATE_KEY}=["']?modern 2026-11-27T18:00:00.000Z`),
  );
  assert.match(text, /MCP_CLIENT_ID=kept/);

  const second = createEraDetector({
    ...options(server.url, createEraMemory(path)),
    now: () => now,
  });
  assert.equal(await second.detect(), "modern");
  assert.equal(
    server.requestsFor("server/discover").length,
    1,
    "no second probe",
  );
  assert.equal(second.takeDiscoverResult(), undefined, "a remembered era has no DiscoverResult");

  now += ERA_MEMORY_MAX_AGE_MS + 1;
  const stale = createEraDetector({
    ...options(server.url, createEraMemory(path)),
    now: () => now,
  });
  assert.equal(await stale.detect(), "modern");
  assert.equal(
    server.requestsFor("server/discover").length,
    2,
    "an old verdict is checked again",
  );
});

Deno.test("era: which endings of the first exchange refuse the assumed era", () => {
  const http = (status: number) => ({
    error: new BridgeError("http_error", "x", { status }),
  });
  const table: Array<
    [Parameters<typeof refusesEra>[0], "modern" | "legacy", boolean]
  > = [
    [http(400), "modern", true],
    [http(404), "legacy", true],
    [http(405), "legacy", true],
    [http(500), "modern", false],
    [http(401), "modern", false],
    [{ error: new BridgeError("unreachable", "x") }, "legacy", false],
    [
      { response: errorResponse(-32022, { supported: ["2026-07-28"] }) },
      "legacy",
      true,
    ],
    [{ response: errorResponse(-32020) }, "legacy", true],
    // A modern server's own errors are no evidence against the modern era; others are.
    [{ response: errorResponse(-32022) }, "modern", false],
    [{ response: errorResponse(-32000) }, "modern", true],
    [{ response: errorResponse(-32000) }, "legacy", false],
    [{ response: { jsonrpc: "2.0", id: 1, result: {} } }, "legacy", false],
  ];
  for (const [ending, assumed, expected] of table) {
    assert.equal(
      refusesEra(ending, assumed),
      expected,
      `${JSON.stringify(ending)} ${assumed}`,
    );
  }
});

Deno.test("era: a refuted verdict is probed again, even from a read-only state file", async () => {
  await using server = await startMcpServer();
  const path = `${createTempDir()}/server.env`;
  await createEraMemory(path).write(
    formatRememberedEra({ era: "modern", checkedAt: new Date() }),
  );
  const detector = createEraDetector(
    options(server.url, createEraMemory(path, { readOnly: true })),
  );
  assert.equal(await detector.detect(), "modern");
  assert.equal(detector.remembered, true);
  await detector.invalidate();
  assert.equal(await detector.detect(), "legacy");
  assert.equal(detector.remembered, false);
  assert.equal(server.requestsFor("server/discover").length, 1);
});

Deno.test("era: pinned protocols never probe", async () => {
  const unreachable = new URL("http://127.0.0.1:9/mcp");
  const pinned = (protocol: "2026-07-28" | "2025-11-25") =>
    createEraDetector({ ...options(unreachable), protocol }).detect();
  assert.equal(await pinned("2026-07-28"), "modern");
  assert.equal(await pinned("2025-11-25"), "legacy");
});

Deno.test("era memory: the start-up snapshot answers the first read only; a write drops it", async () => {
  const path = `${createTempDir()}/server.env`;
  await createEraMemory(path).write("legacy 2026-11-01T00:00:00.000Z");
  const memory = createEraMemory(path, {
    snapshot: { MCP_CLIENT_SERVER_ERA: "modern 2026-11-02T00:00:00.000Z" },
  });
  assert.equal(await memory.read(), "modern 2026-11-02T00:00:00.000Z", "first read: the snapshot");
  assert.equal(await memory.read(), "legacy 2026-11-01T00:00:00.000Z", "then the file");

  const written = createEraMemory(path, { snapshot: { MCP_CLIENT_SERVER_ERA: "stale" } });
  await written.write("dual 2026-11-03T00:00:00.000Z");
  assert.equal(await written.read(), "dual 2026-11-03T00:00:00.000Z", "a write drops the snapshot");

  const empty = createEraMemory(path, { snapshot: {} });
  assert.equal(await empty.read(), undefined, "a snapshot without the key means nothing known");
});
