import assert from "node:assert/strict";
import {
  formatBrowserCommand,
  platformOpener,
  validateAuthorizationUrl,
} from "../../lib/oauth/browser.ts";

Deno.test("authorization URLs other than http(s) are refused", () => {
  for (
    const bad of [
      "javascript:alert(1)",
      "data:text/html,x",
      "file:///etc/passwd",
      "vbscript:x",
    ]
  ) {
    assert.throws(
      () => validateAuthorizationUrl(bad, false),
      /forbidden scheme/,
    );
  }
  assert.throws(
    () => validateAuthorizationUrl("http://as.example/a", false),
    /plain HTTP/,
  );
  assert.throws(() => validateAuthorizationUrl(42, false), /missing/);
  validateAuthorizationUrl("http://127.0.0.1:9/authorize", false);
  validateAuthorizationUrl("http://as.example/a", true);
});

Deno.test("$BROWSER is split on whitespace; %s is replaced", () => {
  assert.deepEqual(formatBrowserCommand("firefox", "u"), ["firefox", ["u"]]);
  assert.deepEqual(formatBrowserCommand(" deno  run -A ua.ts ", "u"), ["deno", [
    "run",
    "-A",
    "ua.ts",
    "u",
  ]]);
  assert.deepEqual(formatBrowserCommand("b --url=%s --x", "u"), ["b", [
    "--url=u",
    "--x",
  ]]);
  assert.deepEqual(platformOpener("windows", "u"), ["rundll32", [
    "url.dll,FileProtocolHandler",
    "u",
  ]]);
  assert.deepEqual(platformOpener("darwin", "u"), ["open", ["u"]]);
  assert.deepEqual(platformOpener("linux", "u"), ["xdg-open", ["u"]]);
});
