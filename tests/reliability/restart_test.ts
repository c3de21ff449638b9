/**
 * The server restarts mid-session (it forgets every session and cuts its streams) while the
 * client keeps calling: requests that arrive while the bridge re-initializes wait for it and go
 * out on the new session, whether the server answers the forgotten session with 404 (the spec)
 * or 400 "No valid session ID" (server-everything, FastMCP).
 */
import assert from "node:assert/strict";
import { withDeadline } from "../../lib/async.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { initialize, type Message, startBridge } from "../support/bridge_process.ts";
import { stablePort } from "../support/ports.ts";

function call(id: number, message: string) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "echo", arguments: { message } },
  };
}

function text(response: Message): string | undefined {
  const result = response.result as
    | { content?: { text?: string }[] }
    | undefined;
  return result?.content?.[0]?.text;
}

async function restartWhileCalling(
  unknownSession: 404 | 400,
  getStream: boolean,
): Promise<void> {
  let initializes = 0;
  let reinitializing!: () => void;
  const reinitializeSeen = new Promise<void>((resolve) => reinitializing = resolve);
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  await using server = await startMcpServer({
    unknownSession,
    getStream,
    async intercept(_request, recorded) {
      const body = recorded.body as { method?: string } | undefined;
      if (
        recorded.method === "POST" && body?.method === "initialize" &&
        ++initializes === 2
      ) {
        reinitializing();
        await withDeadline(released, { ms: 20_000 }).catch(() => {}); // hold the re-initialization until the calls below are in the bridge
      }
      return undefined;
    },
  });
  await using bridge = startBridge(["--server-url", server.url.href]);
  await initialize(bridge);
  await bridge.send(call(1, "before"));
  assert.equal(text(await bridge.response(1)), "before");

  server.forgetSessions({ closeStreams: true });
  // Without a GET stream, the first call after the restart is what finds the session gone.
  if (!getStream) await bridge.send(call(2, "finds it gone"));
  await withDeadline(reinitializeSeen, { ms: 15_000 }).catch(() => {
    release();
    throw new Error("The bridge never re-initialized");
  });
  for (let id = 3; id <= 12; id++) await bridge.send(call(id, `during ${id}`));
  // A parse error is answered at once, so once it is out, the lines before it were dispatched.
  await bridge.send("not json");
  await bridge.waitFor((m) => (m.error as { code?: number } | undefined)?.code === -32700);
  release();

  const first = getStream ? 3 : 2;
  for (let id = first; id <= 12; id++) {
    const response = await bridge.response(id);
    assert.ok(
      "result" in response,
      `call ${id}: ${JSON.stringify(response.error)}`,
    );
  }
  assert.equal(text(await bridge.response(12)), "during 12");
  assert.equal(server.requestsFor("initialize").length, 2);
  const { code } = await bridge.end();
  assert.equal(code, 0);
}

Deno.test("restart: 404 server, GET stream finds the session gone, calls wait for it", () =>
  restartWhileCalling(404, true));

Deno.test("restart: 400 'No valid session ID' server, found by the GET stream", () =>
  restartWhileCalling(400, true));

Deno.test("restart: 400 'No valid session ID' server, found by a call", () =>
  restartWhileCalling(400, false));

Deno.test("restart: calls made while the server is down succeed once it is back", async () => {
  const port = stablePort();
  const first = await startMcpServer({ port });
  await using bridge = startBridge(["--server-url", first.url.href]);
  await initialize(bridge);
  await bridge.send(call(1, "before"));
  assert.equal(text(await bridge.response(1)), "before");

  await first.close();
  for (let id = 2; id <= 6; id++) await bridge.send(call(id, `while down ${id}`));
  await bridge.send("not json");
  await bridge.waitFor((m) => (m.error as { code?: number } | undefined)?.code === -32700);
  await using second = await startMcpServer({ port });

  for (let id = 2; id <= 6; id++) {
    const response = await bridge.response(id);
    assert.equal(text(response), `while down ${id}`, JSON.stringify(response.error));
  }
  assert.equal(second.requestsFor("initialize").length, 1, "one re-initialization");
  const { code } = await bridge.end();
  assert.equal(code, 0);
});

Deno.test("restart: a call sent again after a refused connection waits for the re-created session", async () => {
  const port = stablePort();
  const first = await startMcpServer({ port });
  await using bridge = startBridge([
    "--server-url",
    first.url.href,
    "--log-level",
    "DEBUG",
  ]);
  await initialize(bridge);
  await bridge.send(call(1, "before"));
  assert.equal(text(await bridge.response(1)), "before");
  await bridge.waitForStderr(/DEBUG http: POST tools\/call \(id 1\): HTTP 200 \(ok-sse\)/);

  await first.close();
  // Calls 3 to 5 are refused five times; their next attempt is 1.6 s away. Call 2 is refused
  // once; its next attempt is 0.1 s away. So call 2 is the one that finds the session gone once
  // the server is back, and the others are sent again while the session is being re-created.
  for (let id = 3; id <= 5; id++) {
    await bridge.send(call(id, `while down ${id}`));
  }
  await bridge.waitForStderr(
    /tools\/call \(id [345]\): connection refused; sending again \(5\)/,
    3,
  );
  await bridge.send(call(2, "while down 2"));
  await bridge.waitForStderr(
    /tools\/call \(id 2\): connection refused; sending again \(1\)/,
  );

  let sawCallWithoutSession!: () => void;
  const callWithoutSession = new Promise<void>((resolve) => sawCallWithoutSession = resolve);
  const othersWait = bridge.waitForStderr(
    /: waits for the session to be re-created/,
    3,
  );
  await using second = await startMcpServer({
    port,
    async intercept(_request, recorded) {
      const body = recorded.body as { method?: string } | undefined;
      if (
        body?.method === "tools/call" && !recorded.headers["mcp-session-id"]
      ) {
        sawCallWithoutSession();
      }
      // The re-initialization is held until the others wait for it, or one went out without it.
      if (body?.method === "initialize") {
        await Promise.race([othersWait, callWithoutSession]);
      }
      return undefined;
    },
  });

  for (let id = 2; id <= 5; id++) {
    const response = await bridge.response(id);
    assert.equal(
      text(response),
      `while down ${id}`,
      JSON.stringify(response.error),
    );
  }
  assert.equal(
    second.requestsFor("initialize").length,
    1,
    "one re-initialization",
  );
  const { code } = await bridge.end();
  assert.equal(code, 0);
});
