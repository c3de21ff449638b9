/**
 * The command-line modes against a server that speaks only MCP 2026-07-28 (SDK v2), including a
 * tool that asks for input: on the terminal when there is one, a clear error otherwise.
 */
import assert from "node:assert/strict";
import { startDualEraServer } from "../fixtures/dual_era_server.ts";
import { runMain } from "../support/main_process.ts";
import { runWithScriptedTerminal } from "../support/scripted_terminal.ts";

Deno.test("CLI modes work against a 2026-07-28-only server", async () => {
  await using server = await startDualEraServer({ eras: "modern" });
  const env = { MCP_SERVER_URL: server.url.href };
  const table: Array<[string[], RegExp]> = [
    [["--list-tools"], /^confirm +Asks the user to confirm an action$/m],
    [["-c", "echo message=hi"], /^hi$/m],
    [["--read-resource", "demo://readme"], /Hello from v2/],
    [["--get-prompt", "greet name=Ada"], /Greet Ada/],
    [["--list-prompts", "--json"], /"name":"greet"/],
    [["--raw", '{"method":"tools/list"}'], /"name":"echo"/],
  ];
  for (const [args, expected] of table) {
    const result = await runMain(args, { env });
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stdout, expected, args.join(" "));
  }
  assert.equal(server.requestsFor("initialize").length, 0, "no initialize reached the server");
  // Each run starts with no state: its era probe's answer also answers its initialize.
  assert.equal(server.requestsFor("server/discover").length, table.length, "one discover per run");
  // The modes show no list changes, so none of them opens a listen stream.
  assert.equal(server.requestsFor("subscriptions/listen").length, 0, "no listen stream");

  const noTerminal = await runMain(["-c", "confirm action=deploy"], { env });
  assert.equal(noTerminal.code, 1);
  assert.match(noTerminal.stdout, /Cannot answer the server's question without a terminal/);

  const status = await runMain(["--test-auth", "--json"], { env });
  assert.equal(status.code, 0, status.stderr);
  const doc = JSON.parse(status.stdout);
  assert.deepEqual(
    { era: doc.result.serverInfo.era, version: doc.result.serverInfo.protocolVersion },
    { era: "modern", version: "2026-07-28" },
  );
  const text = await runMain(["--test-auth"], { env });
  assert.match(text.stdout, /\(protocol 2026-07-28, modern era\)/);
});

Deno.test("-c against a 2026-07-28 server: input_required is asked on the terminal", async () => {
  await using server = await startDualEraServer({ eras: "modern" });
  const result = await runWithScriptedTerminal(["-c", "confirm action=deploy"], {
    MCP_SERVER_URL: server.url.href,
  }, ["y", "yes"]);
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.ok(result.stderr.includes("The server asks: Really deploy?"), result.stderr.join("\n"));
  assert.match(result.stdout, /deploy: accept confirm=true/);
});
