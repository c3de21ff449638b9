import assert from "node:assert/strict";
import {
  formatBrowserCommand,
  platformOpeners,
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
  assert.deepEqual(platformOpeners("windows", "u"), [["rundll32", [
    "url.dll,FileProtocolHandler",
    "u",
  ]]]);
  assert.deepEqual(platformOpeners("darwin", "u"), [["open", ["u"]]]);
  assert.deepEqual(platformOpeners("linux", "u").map(([program]) => program), [
    "xdg-open",
    "gio",
    "sensible-browser",
    "x-www-browser",
    "wslview",
  ]);
  assert.deepEqual(platformOpeners("linux", "u")[1], ["gio", ["open", "u"]]);
  assert.equal(platformOpeners("linux", "u", { WSL_DISTRO_NAME: "Ubuntu" })[0][0], "wslview");
});
