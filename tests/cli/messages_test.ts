/**
 * The program's messages as people meet them (issue 12), spawned as the real program against the
 * fixture MCP server: stdout, stderr and the exit code asserted apart. Terminal behaviour runs in
 * a pseudo-terminal so `isTerminal()` is really true.
 */

import assert from "node:assert/strict";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { runMain } from "../support/main_process.ts";
import { renderScreen, runMainInTerminal } from "../support/terminal.ts";
import { stablePort } from "../support/ports.ts";

Deno.test("a --format json inside a -c argument does not switch the failure to JSON", async () => {
  await using server = await startMcpServer();
  const env = { MCP_SERVER_URL: server.url.href };
  const result = await runMain(["-c", "nosuch --format json"], { env });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^Error: Unknown tool: "nosuch"$/m);
  const json = await runMain(["-c", "nosuch", "--format", "json"], { env });
  assert.equal(json.code, 2);
  assert.equal(JSON.parse(json.stdout).error.kind, "usage");
});

Deno.test("colors on a terminal; NO_COLOR counts only when not empty", async () => {
  await using server = await startMcpServer();
  const run = (noColor: string | undefined) =>
    runMainInTerminal(["--list-tools"], {
      env: { MCP_SERVER_URL: server.url.href, NO_COLOR: noColor as string },
      terminal: { stdout: true },
    });
  const empty = await run("");
  assert.equal(empty.code, 0, empty.stderr);
  assert.equal(empty.stderr, "");
  assert.ok(empty.terminal.includes("\x1b[1mTools ("), empty.terminal);
  const set = await run("1");
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.terminal, /^Tools \(\d+\)\r$/m);
  assert.ok(!set.terminal.includes("\x1b["), set.terminal);
});

Deno.test("a bare URL is the server URL", async () => {
  await using server = await startMcpServer();
  const result = await runMain([server.url.href, "--list-tools"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /^Tools \(\d+\)$/m);
});

Deno.test("stray words get a hint that fits them", async () => {
  const cases: Array<[string[], string]> = [
    [
      ["-c", "echo", "message=hi"],
      `Error: Unexpected argument: "message=hi"\nHint: Quote the whole call as one argument: -c 'echo message=hi'\n`,
    ],
    [
      ["list-tools"],
      `Error: Unexpected argument: "list-tools"\nHint: Flags start with two dashes: "--list-tools"\n`,
    ],
    [
      ["localhost:3000/mcp"],
      `Error: Unexpected argument: "localhost:3000/mcp"\nHint: Give the server URL with its scheme: "http://localhost:3000/mcp"\n`,
    ],
  ];
  for (const [args, stderr] of cases) {
    const result = await runMain(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, stderr);
  }
});

Deno.test("a mistyped tool name gets a did-you-mean", async () => {
  await using server = await startMcpServer();
  const result = await runMain(["-c", "Echo message=hi"], {
    env: { MCP_SERVER_URL: server.url.href },
  });
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /^Error: Unknown tool: "Echo"$/m);
  assert.match(result.stderr, /^Hint: Did you mean "echo"\? Available tools: echo, add, /m);
  assert.equal(server.requestsFor("tools/call").length, 0, "nothing was called");
});

Deno.test("--test-auth uses an Authorization header given with -H", async () => {
  await using server = await startMcpServer({
    verifyToken: (token) => token === "header-token-123456",
  });
  const env = { MCP_SERVER_URL: server.url.href };
  const accepted = await runMain(
    ["-H", "Authorization: Bearer header-token-123456", "--test-auth"],
    { env },
  );
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal(accepted.stderr, "");
  assert.match(accepted.stdout, /Access token: +set \(Authorization header from -H, static\)/);
  assert.match(accepted.stdout, /^Authorization header accepted by the server$/m);
  assert.ok(!accepted.stdout.includes("does not require"), accepted.stdout);
  assert.ok(!accepted.stdout.includes("header-token-123456"));

  const refused = await runMain(
    ["-H", "Authorization: Bearer wrong-token-123456", "--test-auth"],
    { env },
  );
  assert.equal(refused.code, 4);
  assert.match(refused.stdout, /^Server rejected the Authorization header$/m);
  assert.match(
    refused.stderr,
    /^Hint: Replace the Authorization header given with -H or MCP_CLIENT_HEADERS$/m,
  );
  assert.ok(!refused.stderr.includes("wrong-token-123456"));
});

Deno.test("--json in proxy mode says that it has no effect", async () => {
  await using server = await startMcpServer();
  const result = await runMain(["--json"], {
    env: { MCP_SERVER_URL: server.url.href },
    stdin: "",
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "");
  assert.equal(
    result.stderr,
    "Warning: --json has no effect in proxy mode: stdout carries JSON-RPC messages only\n",
  );
});

Deno.test("proxy mode started on a terminal says what it waits for", async () => {
  await using server = await startMcpServer();
  const result = await runMainInTerminal([], {
    env: { MCP_SERVER_URL: server.url.href },
    terminal: { stdin: true, stderr: true },
  });
  assert.equal(result.code, 0, result.terminal);
  assert.equal(result.stdout, "");
  const lines = result.terminal.split("\r\n").filter((line) => line !== "");
  assert.equal(lines.length, 1, result.terminal);
  assert.match(lines[0], /^Proxy mode: relays JSON-RPC lines from stdin to 127\.0\.0\.1:\d+/);
  assert.match(
    lines[0],
    /waiting for JSON-RPC on stdin \(try --list-tools to explore; Ctrl-D quits\)$/,
  );
  // Piped stdin (an MCP client) gets no such line.
  const piped = await runMain([], { env: { MCP_SERVER_URL: server.url.href }, stdin: "" });
  assert.equal(piped.stderr, "");
});

Deno.test("a URL without the MCP path says what was tried and suggests /mcp", async () => {
  await using server = await startMcpServer();
  const root = new URL("/", server.url).href;
  const auto = await runMain(["--list-tools"], { env: { MCP_SERVER_URL: root } });
  assert.equal(auto.code, 5);
  assert.equal(auto.stdout, "");
  assert.equal(
    auto.stderr,
    `Error: No MCP endpoint at "${root}": POST answered HTTP 404, SSE GET answered HTTP 404\n` +
      `Hint: MCP endpoints usually end in /mcp: try "${root}mcp"\n`,
  );
  const explicit = await runMain(["--list-tools", "--transport", "streamable-http"], {
    env: { MCP_SERVER_URL: root },
  });
  assert.equal(explicit.code, 5);
  assert.match(
    explicit.stderr,
    /^Error: Server refused the Streamable HTTP initialize request: HTTP 404$/m,
  );
  assert.match(explicit.stderr, /^Hint: MCP endpoints usually end in \/mcp: try /m);
  assert.ok(!explicit.stderr.includes("--transport sse"), explicit.stderr);
  const json = await runMain(["--list-tools", "--json"], { env: { MCP_SERVER_URL: root } });
  const document = JSON.parse(json.stdout);
  assert.deepEqual(document.error.details.attempts, [
    { request: "POST", status: 404 },
    { request: "SSE GET", status: 404 },
  ]);
});

Deno.test("a server that is down is reported with its cause", async () => {
  const port = stablePort();
  const refused = await runMain(["--list-tools"], {
    env: { MCP_SERVER_URL: `http://127.0.0.1:${port}/mcp` },
  });
  assert.equal(refused.code, 5);
  assert.equal(refused.stdout, "");
  assert.equal(
    refused.stderr,
    `Error: Cannot reach the server at "127.0.0.1:${port}": connection refused\n` +
      `Hint: Nothing answers on 127.0.0.1:${port}: is the server running, and on this port?\n`,
  );

  const dns = await runMain(["--list-tools", "--json"], {
    env: { MCP_SERVER_URL: "https://no-such-host.invalid/mcp" },
  });
  assert.equal(dns.code, 5);
  const document = JSON.parse(dns.stdout);
  assert.equal(document.error.kind, "unreachable");
  assert.equal(
    document.error.message,
    'Cannot reach the server at "no-such-host.invalid": the host name does not resolve (DNS lookup failed)',
  );
  assert.deepEqual(document.error.details, { reason: "dns" });

  await using plain = await startMcpServer();
  const tls = await runMain(["--list-tools"], {
    env: { MCP_SERVER_URL: plain.url.href.replace("http:", "https:") },
  });
  assert.equal(tls.code, 5);
  assert.match(
    tls.stderr,
    /^Error: Cannot reach the server at "127\.0\.0\.1:\d+": TLS error: the server does not speak TLS on this port$/m,
  );
  assert.match(tls.stderr, /^Hint: Use http:\/\/ for a server without TLS/m);
});

Deno.test("on a terminal, progress is one line updated in place and removed at the end", async () => {
  await using server = await startMcpServer();
  const result = await runMainInTerminal(["-c", "progress steps=5"], {
    env: { MCP_SERVER_URL: server.url.href, MCP_CLIENT_SPINNER_DELAY_MS: "60000" },
  });
  assert.equal(result.code, 0, result.terminal);
  assert.equal(result.stdout, "done 5\n");
  const updates = result.terminal.split("\r\n").filter((line) => line.includes("progress"));
  assert.equal(updates.length, 5, result.terminal);
  assert.equal(updates[0], "progress 1/5 (20%)");
  for (const [i, line] of updates.slice(1).entries()) {
    assert.equal(line, `\x1b[1A\x1b[2Kprogress ${i + 2}/5 (${(i + 2) * 20}%)`, "drawn over");
  }
  assert.deepEqual(renderScreen(result.terminal), [], "nothing is left on screen");
});

Deno.test("on a terminal, a slow call shows a spinner with the elapsed time", async () => {
  await using server = await startMcpServer();
  // The delay is injected (0 ms): the spinner is drawn when the call starts, no waiting.
  const result = await runMainInTerminal(["-c", "slow ms=300"], {
    env: { MCP_SERVER_URL: server.url.href, MCP_CLIENT_SPINNER_DELAY_MS: "0" },
  });
  assert.equal(result.code, 0, result.terminal);
  assert.equal(result.stdout, "waited 300\n");
  assert.ok(result.terminal.startsWith('⠋ Waiting for tool "slow" (0 s)\r\n'), result.terminal);
  assert.deepEqual(renderScreen(result.terminal), [], "the spinner line is removed");
  // Off a terminal nothing is drawn.
  const piped = await runMain(["-c", "slow ms=10"], {
    env: { MCP_SERVER_URL: server.url.href, MCP_CLIENT_SPINNER_DELAY_MS: "0" },
  });
  assert.equal(piped.stderr, "");
  assert.equal(piped.stdout, "waited 10\n");
});
