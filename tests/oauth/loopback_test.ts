import assert from "node:assert/strict";
import { CALLBACK_PORT_BASE, CALLBACK_PORT_SPAN } from "../../lib/constants.ts";
import {
  defaultCallbackPort,
  parseRedirectPort,
  startCallbackServer,
} from "../../lib/oauth/loopback.ts";

Deno.test("the callback port is stable per server and in range", async () => {
  const a = await defaultCallbackPort(new URL("https://Example.com/mcp/"));
  assert.equal(
    a,
    await defaultCallbackPort(new URL("https://example.com/mcp")),
  );
  assert.ok(
    a >= CALLBACK_PORT_BASE && a < CALLBACK_PORT_BASE + CALLBACK_PORT_SPAN,
  );
  assert.notEqual(
    a,
    await defaultCallbackPort(new URL("https://example.com/other")),
  );
  assert.equal(parseRedirectPort("http://127.0.0.1:4321/callback"), 4321);
  assert.equal(parseRedirectPort("https://x.example/callback"), undefined);
});

Deno.test("the callback server accepts one valid callback and closes", async () => {
  await using server = startCallbackServer({ port: 0, state: "s1" });
  const base = `http://127.0.0.1:${server.port}`;
  const other = await fetch(`${base}/elsewhere`);
  assert.equal(other.status, 404);
  await other.body?.cancel();
  const wrong = await fetch(`${base}/callback?state=nope&code=x`);
  assert.equal(wrong.status, 400);
  await wrong.body?.cancel();
  const right = await fetch(`${base}/callback?state=s1&code=abc`);
  assert.equal(right.status, 200);
  assert.match(await right.text(), /close this window/);
  const url = await server.callback;
  assert.equal(url.searchParams.get("code"), "abc");
  const again = await fetch(`${base}/callback?state=s1&code=abc`);
  assert.equal(again.status, 410);
  await again.body?.cancel();
});

Deno.test("a busy callback port is a clear configuration error", async () => {
  await using first = startCallbackServer({ port: 0, state: "a" });
  assert.throws(
    () => startCallbackServer({ port: first.port, state: "b" }),
    /is in use/,
  );
});
