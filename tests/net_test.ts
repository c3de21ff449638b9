import assert from "node:assert/strict";
import { allowsPlainHttp, isLoopbackHost } from "../lib/net.ts";
import { parseServerUrl } from "../lib/config/setting_values.ts";
import { validateAuthorizationUrl } from "../lib/oauth/browser.ts";
import { runMain } from "./support/main_process.ts";

/** Host as written in a URL -> whether it is this machine. */
const HOSTS: ReadonlyArray<readonly [string, boolean]> = [
  ["127.0.0.1", true],
  ["127.255.255.254", true],
  ["127.1", true], // WHATWG URL reads it as 127.0.0.1
  ["0x7f.1", true], // and this one too
  ["localhost", true],
  ["LOCALHOST", true],
  ["[::1]", true],
  ["[0:0:0:0:0:0:0:1]", true],
  ["127.evil.example", false],
  ["127.0.0.1.nip.io", false],
  ["127.0.0.1.evil.example", false],
  ["localhost.", false],
  ["app.localhost", false],
  ["localhost.evil.example", false],
  ["128.0.0.1", false],
  ["10.0.0.1", false],
  ["0.0.0.0", false],
  ["[::]", false],
  ["[::ffff:127.0.0.1]", false],
  ["example.com", false],
];

for (const [host, loopback] of HOSTS) {
  Deno.test(`loopback rule: ${host} is ${loopback ? "" : "not "}loopback`, () => {
    const url = new URL(`http://${host}:8080/mcp`);
    assert.equal(isLoopbackHost(url.hostname), loopback);
    assert.equal(allowsPlainHttp(url), loopback);
    assert.equal(allowsPlainHttp(url, true), true);
    assert.equal(allowsPlainHttp(new URL(`https://${host}/mcp`)), true);
  });
}

Deno.test("loopback rule: bare host strings", () => {
  assert.equal(isLoopbackHost("::1"), true);
  assert.equal(isLoopbackHost("127.0.0.256"), false);
  assert.equal(isLoopbackHost("127.0.0"), false);
  assert.equal(isLoopbackHost(""), false);
});

Deno.test("loopback rule: other schemes are never plain-http-safe", () => {
  assert.equal(allowsPlainHttp(new URL("ftp://127.0.0.1/"), true), false);
  assert.equal(allowsPlainHttp(new URL("ws://127.0.0.1/")), false);
});

Deno.test("loopback rule: server URL and authorization endpoint use it", () => {
  for (const host of ["127.evil.example", "127.0.0.1.nip.io", "localhost."]) {
    assert.throws(() => parseServerUrl(`http://${host}/mcp`, false), /Refusing plain HTTP/);
    assert.throws(
      () => validateAuthorizationUrl(`http://${host}/authorize`, false),
      /plain HTTP to a remote host/,
    );
  }
  assert.equal(parseServerUrl("http://[::1]:3000/mcp", false).hostname, "[::1]");
  assert.equal(validateAuthorizationUrl("http://localhost/a", false).hostname, "localhost");
});

Deno.test("loopback rule: a bare host is given the scheme the rule allows", async () => {
  const local = await runMain(["127.0.0.1:3000/mcp"]);
  assert.match(local.stderr, /"http:\/\/127\.0\.0\.1:3000\/mcp"/);
  const remote = await runMain(["127.evil.example:3000/mcp"]);
  assert.match(remote.stderr, /"https:\/\/127\.evil\.example:3000\/mcp"/);
});

Deno.test("a plain-http server URL whose name starts with 127. is refused (exit 3)", async () => {
  const result = await runMain(["--server-url", "http://127.evil.example/mcp", "--list-tools"]);
  assert.equal(result.code, 3);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Refusing plain HTTP to a remote host: "127\.evil\.example"/);
});
