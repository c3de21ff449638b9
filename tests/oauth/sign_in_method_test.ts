import assert from "node:assert/strict";
import { classifyDevicePoll, formatDevicePrompt } from "../../lib/oauth/device_code.ts";
import { parsePastedRedirect } from "../../lib/oauth/paste_redirect.ts";
import { chooseSignInMethod, detectBrowser } from "../../lib/oauth/sign_in_method.ts";

Deno.test("the sign-in method: --device-code, else browser, else device flow, else paste", () => {
  const facts = {
    deviceCodeRequested: false,
    deviceSupported: true,
    hasBrowser: false,
    hasTerminal: true,
  };
  assert.equal(chooseSignInMethod(facts), "device");
  assert.equal(chooseSignInMethod({ ...facts, deviceSupported: false }), "paste");
  assert.equal(chooseSignInMethod({ ...facts, hasBrowser: true }), "browser");
  assert.equal(chooseSignInMethod({ ...facts, hasTerminal: false }), "browser");
  assert.equal(
    chooseSignInMethod({ ...facts, hasBrowser: true, deviceCodeRequested: true }),
    "device",
  );
});

Deno.test("a browser is assumed with $BROWSER, on macOS and Windows, under WSL or a display", () => {
  assert.equal(detectBrowser({}, "linux"), false);
  assert.equal(detectBrowser({ BROWSER: " " }, "linux"), false);
  assert.equal(detectBrowser({ BROWSER: "firefox" }, "linux"), true);
  assert.equal(detectBrowser({ DISPLAY: ":0" }, "linux"), true);
  assert.equal(detectBrowser({ WAYLAND_DISPLAY: "wayland-0" }, "linux"), true);
  assert.equal(detectBrowser({ WSL_DISTRO_NAME: "Ubuntu" }, "linux"), true);
  assert.equal(detectBrowser({}, "darwin"), true);
  assert.equal(detectBrowser({}, "windows"), true);
});

Deno.test("a pasted redirect: the whole address, or a bare code where iss is not required", () => {
  const context = {
    redirectUri: "http://127.0.0.1:33418/callback",
    state: "s1",
    issRequired: false,
  };
  const whole = parsePastedRedirect(
    " http://127.0.0.1:33418/callback?code=abc&state=s1&iss=https%3A%2F%2Fas ",
    context,
  );
  assert.equal(whole.kind === "callback" && whole.url.searchParams.get("iss"), "https://as");
  const bare = parsePastedRedirect("abc", context);
  assert.equal(
    bare.kind === "callback" && bare.url.href,
    "http://127.0.0.1:33418/callback?code=abc&state=s1",
  );
  const denied = parsePastedRedirect(
    "http://127.0.0.1:1/callback?error=access_denied&state=s1",
    context,
  );
  assert.equal(denied.kind, "callback");
  const refusals: Array<[string, boolean, RegExp]> = [
    ["", false, /nothing was pasted/],
    ["http://127.0.0.1:33418/callback?x=1", false, /has no code/],
    ["http://127.0.0.1:33418/callback?code=a&state=other", false, /state does not match/],
    ["http://127.0.0.1:33418/callback?code=a", false, /state does not match/],
    ["two words", false, /no spaces/],
    ["abc", true, /paste the whole address/],
  ];
  for (const [text, issRequired, reason] of refusals) {
    const result = parsePastedRedirect(text, { ...context, issRequired });
    assert.equal(result.kind, "invalid", text);
    assert.match(result.kind === "invalid" ? result.reason : "", reason, text);
  }
});

Deno.test("device polling: pending waits, slow_down backs off, denial and expiry fail", () => {
  assert.deepEqual(classifyDevicePoll("authorization_pending", 5000), {
    kind: "wait",
    intervalMs: 5000,
  });
  assert.deepEqual(classifyDevicePoll("slow_down", 5000), { kind: "wait", intervalMs: 10000 });
  const denied = classifyDevicePoll("access_denied", 5000);
  assert.equal(denied.kind === "fail" && denied.error.kind, "auth_failed");
  const expired = classifyDevicePoll("expired_token", 5000);
  assert.equal(expired.kind === "fail" && expired.error.kind, "auth_required");
  const other = classifyDevicePoll("invalid_client", 5000);
  assert.match(other.kind === "fail" ? other.error.message : "", /"invalid_client"/);
  assert.deepEqual(
    formatDevicePrompt({
      host: "mcp.example",
      verificationUri: "https://as/device",
      userCode: "AB-CD",
    }),
    ["Sign in to mcp.example on any device: visit https://as/device", "and enter the code AB-CD"],
  );
});
