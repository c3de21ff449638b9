/**
 * The program's messages as people meet them (issue 12), spawned as the real program against the
 * fixture MCP server: stdout, stderr and the exit code asserted apart. Terminal behaviour runs in
 * a pseudo-terminal so `isTerminal()` is really true.
 */

import assert from "node:assert/strict";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { runMain } from "../support/main_process.ts";
import { runMainInTerminal } from "../support/terminal.ts";

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
