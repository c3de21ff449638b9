/** The MCP client in-process against the fixture server. */

import assert from "node:assert/strict";
import { openClient } from "../lib/mcp_client.ts";
import type { McpClientContext } from "../lib/mcp_client_types.ts";
import { resolveSettings } from "../lib/config/settings.ts";
import { BridgeError } from "../lib/errors.ts";
import type { JsonRpcNotification } from "../lib/jsonrpc/message.ts";
import { silentLogger } from "../lib/log.ts";
import { createStaticCredentials } from "../lib/transport/static_credentials.ts";
import { startDualEraServer } from "./fixtures/dual_era_server.ts";
import { startMcpServer } from "./fixtures/mcp_server.ts";
import { createFakeTimers } from "./support/fake_timers.ts";
import { awaitWithin } from "./support/wait.ts";

function createContext(url: URL, options: { timeoutSeconds?: string } = {}): McpClientContext {
  const settings = resolveSettings({
    flags: {
      "server-url": url.href,
      ...(options.timeoutSeconds ? { timeout: options.timeoutSeconds } : {}),
    },
    env: {},
    stateFile: "/nonexistent/state.env",
    stateValues: {},
    cwdValues: {},
  });
  return {
    settings,
    log: silentLogger,
    io: { signal: new AbortController().signal },
    fetch: globalThis.fetch,
    credentials: createStaticCredentials(),
  };
}

Deno.test("openClient initializes, requests and ends the session", async () => {
  await using server = await startMcpServer();
  const notifications: JsonRpcNotification[] = [];
  {
    await using client = await openClient(createContext(server.url), {
      onNotification: (n) => notifications.push(n),
    });
    assert.equal(client.serverInfo.name, "fixture-mcp-server");
    assert.equal(typeof client.protocolVersion, "string");
    assert.ok(client.capabilities.tools);

    const initialize = server.requestsFor("initialize")[0].body as {
      params: { clientInfo: { name: string }; capabilities: Record<string, unknown> };
    };
    assert.equal(initialize.params.clientInfo.name, "mcp-streamablehttp-client");
    assert.deepEqual(initialize.params.capabilities, {});
    assert.equal(server.requestsFor("notifications/initialized").length, 1);

    const progress: number[] = [];
    const result = await client.request<{ content: { text: string }[] }>(
      "tools/call",
      { name: "progress", arguments: { steps: 2 } },
      { onProgress: (p) => progress.push(p.progress) },
    );
    assert.equal(result.content[0].text, "done 2");
    assert.deepEqual(progress, [1, 2]);
    assert.ok(notifications.some((n) => n.method === "notifications/message"));
    assert.ok(notifications.some((n) => n.method === "notifications/progress"));
  }
  assert.ok(server.requests.some((r) => r.method === "DELETE"), "close sent DELETE");
});

Deno.test("toward a 2026-07-28 server, list changes are listened for only by a caller that takes notifications", async () => {
  await using server = await startDualEraServer({ eras: "modern" });
  {
    await using client = await openClient(createContext(server.url));
    await client.request("tools/call", { name: "touch_tools", arguments: {} });
  }
  assert.equal(server.requestsFor("subscriptions/listen").length, 0, "no listen stream");

  let changed!: () => void;
  const listChanged = new Promise<void>((resolve) => changed = resolve);
  await using client = await openClient(createContext(server.url), {
    onNotification: (n) => {
      if (n.method === "notifications/tools/list_changed") changed();
    },
  });
  await awaitWithin(server.waitForRequest("subscriptions/listen"), "subscriptions/listen");
  await client.request("tools/call", { name: "touch_tools", arguments: {} });
  await awaitWithin(listChanged, "notifications/tools/list_changed");
});

Deno.test("a JSON-RPC error becomes a server_error with the code in details", async () => {
  await using server = await startMcpServer();
  await using client = await openClient(createContext(server.url));
  await assert.rejects(client.request("no/such/method"), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.equal(error.kind, "server_error");
    assert.equal(error.exitCode, 1);
    assert.equal(error.details?.code, -32601);
    assert.match(error.message, /^Server answered "no\/such\/method" with error -32601: /);
    return true;
  });
});

Deno.test("a request past its timeout is cancelled and throws timeout", async () => {
  await using server = await startMcpServer();
  const client = await openClient(createContext(server.url, { timeoutSeconds: "0.2" }));
  await assert.rejects(
    client.request("tools/call", { name: "slow", arguments: { ms: 1500 } }),
    (error: unknown) => {
      assert.ok(error instanceof BridgeError);
      assert.equal(error.kind, "timeout");
      assert.equal(error.exitCode, 6);
      return true;
    },
  );
  // A per-request timeout overrides the setting.
  const fast = await client.request<{ content: { text: string }[] }>(
    "tools/call",
    { name: "slow", arguments: { ms: 300 } },
    { timeoutMs: 5_000 },
  );
  assert.equal(fast.content[0].text, "waited 300");
  await client.close();
  const cancelled = server.requestsFor("notifications/cancelled");
  assert.equal(cancelled.length, 1, "the timed-out request was cancelled");
  const call = server.requestsFor("tools/call")[0].body as { id: unknown };
  assert.equal((cancelled[0].body as { params: { requestId: unknown } }).params.requestId, call.id);
  await assert.rejects(client.request("tools/list"), /already closed/);
});

Deno.test("the client declines elicitation and answers pings", async () => {
  await using server = await startMcpServer();
  await using client = await openClient(createContext(server.url));
  const elicited = await client.request<{ isError?: boolean }>("tools/call", {
    name: "elicit",
    arguments: { message: "name?" },
  });
  assert.equal(elicited.isError, true);
  const pong = await client.request<{ content: { text: string }[] }>("tools/call", {
    name: "ping_client",
    arguments: {},
  });
  assert.equal(pong.content[0].text, "pong");
});

Deno.test(
  "openClient: against a 2025-era server, a question on the terminal stops the call's timeout until it is answered",
  async () => {
    await using server = await startMcpServer();
    const timers = createFakeTimers();
    const asked = Promise.withResolvers<void>();
    const answer = Promise.withResolvers<Record<string, unknown>>();
    await using client = await openClient(
      { ...createContext(server.url, { timeoutSeconds: "1" }), timers },
      {
        onElicit: () => {
          asked.resolve();
          return answer.promise;
        },
      },
    );
    assert.equal(client.serverProtocol?.era, "legacy");
    const call = client.request<{ content: { text: string }[] }>("tools/call", {
      name: "elicit",
      arguments: { message: "Name?" },
    });
    await asked.promise;
    // The person takes a minute, sixty times the request timeout.
    timers.advance(60_000);
    assert.equal(timers.pending, 0, "no timer runs while the person answers");
    answer.resolve({ action: "accept", content: { name: "Ada" } });
    const result = await call;
    assert.deepEqual(JSON.parse(result.content[0].text), {
      action: "accept",
      content: { name: "Ada" },
    });
  },
);

Deno.test("openClient: each progress notification restarts the call's timeout", async () => {
  await using server = await startMcpServer();
  const timers = createFakeTimers();
  await using client = await openClient({
    ...createContext(server.url, { timeoutSeconds: "1" }),
    timers,
  });
  const progress: number[] = [];
  const result = await client.request<{ content: { text: string }[] }>(
    "tools/call",
    { name: "progress", arguments: { steps: 5 } },
    {
      onProgress: (p) => {
        progress.push(p.progress);
        // Most of the 1 s timeout passes between two notifications, five times in all.
        timers.advance(900);
      },
    },
  );
  assert.equal(result.content[0].text, "done 5");
  assert.deepEqual(progress, [1, 2, 3, 4, 5]);
});
