import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import { createGuardedFetch } from "../../lib/transport/http_client.ts";
import { createCookieJar } from "../../lib/transport/cookie_jar.ts";
import { startRecordingServer, startRedirectServer } from "../fixtures/redirect_server.ts";
import { initializeRequest, startBridge } from "../support/bridge_process.ts";

const guarded = createGuardedFetch(fetch);

Deno.test("redirect: a cross-origin 307 is refused; the other origin gets nothing", async () => {
  await using foreign = startRecordingServer();
  await using redirector = startRedirectServer((path) => new URL(path, foreign.url).href);
  const error = await guarded(redirector.url, {
    method: "POST",
    headers: { "X-Api-Key": "secret-key", "Content-Type": "application/json" },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  }).catch((e) => e);
  assert.ok(error instanceof BridgeError, String(error));
  assert.equal(error.kind, "http_error");
  assert.equal(error.status, 307);
  assert.match(error.message, /Refusing to follow a redirect .* to another origin/);
  assert.equal(foreign.requests.length, 0);
  assert.equal(redirector.requests.length, 1);
});

Deno.test("redirect: the same refusal even when the caller asks for redirect manual", async () => {
  await using foreign = startRecordingServer();
  await using redirector = startRedirectServer((path) => new URL(path, foreign.url).href, 302);
  await assert.rejects(guarded(redirector.url, { redirect: "manual" }), BridgeError);
  assert.equal(foreign.requests.length, 0);
});

Deno.test("redirect: a same-origin 307 keeps method, body and headers", async () => {
  const requests: { method: string; path: string; key: string | null; body: string }[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (r) => {
    const path = new URL(r.url).pathname;
    requests.push({
      method: r.method,
      path,
      key: r.headers.get("x-api-key"),
      body: await r.text(),
    });
    if (path === "/old") return new Response(null, { status: 307, headers: { location: "/new" } });
    return Response.json({ ok: true });
  });
  const response = await guarded(`http://127.0.0.1:${server.addr.port}/old`, {
    method: "POST",
    headers: { "X-Api-Key": "k" },
    body: "payload",
  });
  assert.deepEqual(await response.json(), { ok: true });
  assert.deepEqual(requests, [
    { method: "POST", path: "/old", key: "k", body: "payload" },
    { method: "POST", path: "/new", key: "k", body: "payload" },
  ]);
});

Deno.test("redirect: a 303 continues as GET without the body; loops stop", async () => {
  const seen: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (r) => {
    const path = new URL(r.url).pathname;
    seen.push(`${r.method} ${path} ${await r.text()}`);
    if (path === "/see-other") {
      return new Response(null, { status: 303, headers: { location: "/result" } });
    }
    if (path === "/loop") {
      return new Response(null, { status: 302, headers: { location: "/loop" } });
    }
    return new Response("done");
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const response = await guarded(`${base}/see-other`, { method: "POST", body: "x" });
  assert.equal(await response.text(), "done");
  assert.deepEqual(seen, ["POST /see-other x", "GET /result "]);
  const loop = await guarded(`${base}/loop`).catch((e) => e);
  assert.ok(loop instanceof BridgeError);
  assert.match(loop.message, /Too many redirects/);
});

Deno.test("cookies: the jar stores Set-Cookie and sends it back, only when enabled", async () => {
  const cookies: (string | null)[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (r) => {
    cookies.push(r.headers.get("cookie"));
    return new Response("ok", { headers: { "set-cookie": "AWSALB=backend-2; Path=/" } });
  });
  const url = `http://127.0.0.1:${server.addr.port}/mcp`;
  const withJar = createGuardedFetch(fetch, { cookieJar: createCookieJar() });
  await (await withJar(url)).text();
  await (await withJar(url, { headers: { cookie: "mine=1" } })).text();
  await (await guarded(url)).text();
  assert.deepEqual(cookies, [null, "mine=1; AWSALB=backend-2", null]);
});

Deno.test("cookies: domain, path, secure and expiry rules", () => {
  const jar = createCookieJar();
  const at = 1_000_000;
  const api = new URL("https://api.example.com/mcp/v1");
  jar.store(api, [
    "a=1",
    "b=2; Path=/other",
    "c=3; Domain=example.com; Secure",
    "d=4; Max-Age=10",
    "e=5; Domain=evil.com",
    "f=6; Max-Age=0",
  ], at);
  assert.equal(jar.header(api, at), "a=1; c=3; d=4");
  assert.equal(jar.header(new URL("https://www.example.com/mcp/x"), at), "c=3");
  assert.equal(jar.header(new URL("http://api.example.com/mcp/x"), at), "a=1; d=4");
  assert.equal(jar.header(api, at + 11_000), "a=1; c=3");
  jar.store(api, ["a=1; Max-Age=0"], at);
  assert.equal(jar.header(new URL("https://api.example.com/other/x"), at), "b=2");
});

Deno.test("redirect: the bridge never sends --header values or the body to another origin", async () => {
  await using foreign = startRecordingServer();
  await using redirector = startRedirectServer((path) => new URL(path, foreign.url).href);
  await using bridge = startBridge([
    "--server-url",
    redirector.url.href,
    "--transport",
    "streamable-http",
    "--header",
    "X-Api-Key: key-that-must-stay-home",
  ]);
  await bridge.send(initializeRequest(1));
  const response = await bridge.response(1);
  const error = response.error as { code: number; message: string; data: { status: number } };
  assert.equal(error.code, -31002);
  assert.match(error.message, /Refusing to follow a redirect/);
  assert.equal(error.data.status, 307);
  assert.deepEqual(foreign.requests, []);
  const { code } = await bridge.end();
  assert.equal(code, 0);
});
