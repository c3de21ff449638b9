import assert from "node:assert/strict";
import type { ParsedFlags } from "../../lib/cli/args.ts";
import { BridgeError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { createOAuthManager } from "../../lib/oauth/provider.ts";
import type { ProcessIo } from "../../lib/process_io.ts";
import type { OidcServer } from "../fixtures/oidc_server.ts";
import { callServer, createCapturedIo, createSettings } from "./harness.ts";
import { type OidcGuardedServer, startOidcGuardedServer } from "./oidc_guarded.ts";

/**
 * Watches stderr for the first line that matches `pattern`. `shown()` gives what it captured, and
 * fails at once while no such line was written: each test asks at a point where the sign-in must
 * already have shown it, so a missing line fails the test instead of leaving it waiting.
 */
function watchStderr(
  io: ProcessIo,
  pattern: RegExp,
): { io: ProcessIo; shown: () => Promise<string> } {
  let found: string | undefined;
  return {
    io: {
      ...io,
      stderr: (text) => {
        io.stderr(text);
        const match = text.match(pattern);
        if (match && found === undefined) found = match[1] ?? text;
      },
    },
    shown: () =>
      found === undefined
        ? Promise.reject(new Error(`No stderr line matching ${pattern} was written yet`))
        : Promise.resolve(found),
  };
}

async function headlessManager(
  server: OidcGuardedServer,
  options: {
    flags?: ParsedFlags;
    terminal: Partial<ProcessIo>;
    sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
    watch: RegExp;
  },
) {
  const settings = await createSettings({
    serverUrl: server.mcp.url.href,
    stateFile: `${server.dir}/state.env`,
    flags: options.flags,
    // No $BROWSER and no display: a host reached over SSH.
    env: { BROWSER: "" },
  });
  const captured = createCapturedIo();
  const watched = watchStderr({ ...captured.io, ...options.terminal }, options.watch);
  const manager = createOAuthManager({
    settings,
    log: createLogger({ level: "DEBUG", sink: (line) => captured.lines.push(line) }),
    fetch: globalThis.fetch,
    io: watched.io,
    interactive: true,
    sleep: options.sleep,
  });
  return { manager, lines: captured.lines, shown: watched.shown };
}

/** Follows the authorization URL like a browser until it lands on the loopback redirect. */
async function signInElsewhere(authorizeUrl: string): Promise<string> {
  let next = authorizeUrl;
  while (new URL(next).pathname !== "/callback") {
    const response = await fetch(next, { redirect: "manual" });
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (!location) throw new Error(`No redirect from ${next}: ${response.status}`);
    next = new URL(location, next).href;
  }
  return next;
}

Deno.test("--device-code signs in with the device flow at oidc-provider, no browser", async () => {
  await using server = await startOidcGuardedServer({ deviceFlow: true });
  const gate: { approved?: Promise<void> } = {};
  const { manager, lines, shown } = await headlessManager(server, {
    flags: { "device-code": true },
    terminal: { stderrIsTerminal: false },
    watch: /\(or open (\S+), which carries the code\)/,
    // The first poll waits until the person has approved on the other device.
    sleep: () =>
      gate.approved ??= shown().then((url) => (server.oidc as OidcServer).approveDevice(url)),
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.deepEqual(server.oidc.tokenCounts, {
    "urn:ietf:params:oauth:grant-type:device_code": 1,
  });
  assert.ok(lines.some((line) => /^and enter the code \S+/.test(line)), lines.join("\n"));
  const state = await Deno.readTextFile(`${server.dir}/state.env`);
  assert.match(state, /MCP_CLIENT_REFRESH_TOKEN=/);
});

Deno.test("on a terminal without a browser the device flow is chosen by itself", async () => {
  await using server = await startOidcGuardedServer({ deviceFlow: true });
  const gate: { approved?: Promise<void> } = {};
  const { manager, shown } = await headlessManager(server, {
    terminal: { stderrIsTerminal: true, readTerminalLine: () => new Promise(() => {}) },
    watch: /\(or open (\S+), which carries the code\)/,
    sleep: () => gate.approved ??= shown().then((url) => server.oidc.approveDevice(url)),
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.equal(server.oidc.tokenCounts["urn:ietf:params:oauth:grant-type:device_code"], 1);
});

Deno.test("--device-code is refused at once when the server has no device flow", async () => {
  await using server = await startOidcGuardedServer();
  const { manager } = await headlessManager(server, {
    flags: { "device-code": true },
    terminal: { stderrIsTerminal: true },
    watch: /never/,
  });
  await assert.rejects(callServer(manager, server.mcp.url), (error: unknown) => {
    assert.ok(error instanceof BridgeError && error.kind === "auth_failed");
    assert.match(error.message, /does not offer the device flow/);
    return true;
  });
  const registered = await Deno.readTextFile(`${server.dir}/state.env`).catch(() => "");
  assert.doesNotMatch(registered, /MCP_CLIENT_ID=/, "no client was registered");
});

Deno.test("without a device flow, the redirected address pasted on the terminal signs in", async () => {
  await using server = await startOidcGuardedServer();
  const prompts: string[] = [];
  let pastes = 0;
  const { manager, lines, shown } = await headlessManager(server, {
    terminal: {
      stderrIsTerminal: true,
      readTerminalLine: async (prompt) => {
        prompts.push(prompt);
        const landed = await signInElsewhere(await shown());
        // First a redirect from another sign-in (wrong state), then the right one.
        if (pastes++ === 0) return landed.replace(/state=[^&]+/, "state=forged");
        return landed;
      },
    },
    watch: /^(http:\/\/127\.0\.0\.1:\d+\/auth\S+)$/,
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.deepEqual(server.oidc.tokenCounts, { authorization_code: 1 });
  assert.equal(prompts.length, 2);
  assert.match(prompts[0], /Paste the address the browser ended on/);
  assert.ok(lines.some((line) => /open this URL in a browser on any machine/.test(line)));
  assert.ok(lines.some((line) => /its state does not match/.test(line)), lines.join("\n"));
});

Deno.test("Ctrl-C during the device flow's wait is the interrupted kind (exit 130)", async () => {
  await using server = await startOidcGuardedServer({ deviceFlow: true });
  const interrupt = new AbortController();
  const { manager, shown } = await headlessManager(server, {
    flags: { "device-code": true },
    terminal: { stderrIsTerminal: true, signal: interrupt.signal },
    watch: /^and enter the code (\S+)$/,
    sleep: (_ms, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        shown().then(() => interrupt.abort(), reject);
      }),
  });
  await assert.rejects(manager.ensureToken(), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.equal(error.kind, "interrupted");
    assert.equal(error.exitCode, 130);
    return true;
  });
});
