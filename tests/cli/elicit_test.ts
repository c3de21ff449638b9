/**
 * Elicitation in the command-line modes: asked on the terminal (a scripted `confirm`), refused
 * with a clear error without one.
 */
import assert from "node:assert/strict";
import { elicitOnTerminal, formatFieldPrompt, parseFieldAnswer } from "../../lib/cli/elicit.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { runMain } from "../support/main_process.ts";
import { runWithScriptedTerminal } from "../support/scripted_terminal.ts";

Deno.test("elicit: field prompts and typed answers", () => {
  assert.equal(
    formatFieldPrompt("name", { type: "string", title: "Name" }, true),
    "  Name (string, required): ",
  );
  assert.equal(
    formatFieldPrompt("size", {
      type: "string",
      enum: ["s", "m"],
      default: "m",
    }, false),
    '  size (one of s | m, optional, default "m"): ',
  );
  const table: Array<[Record<string, unknown>, string, unknown]> = [
    [{ type: "string" }, " Ada ", { ok: true, value: "Ada" }],
    [{ type: "string" }, "", { ok: true }],
    [{ type: "integer" }, "42", { ok: true, value: 42 }],
    [{ type: "integer" }, "4.2", { ok: false, reason: "expected an integer" }],
    [{ type: "number" }, "4.2", { ok: true, value: 4.2 }],
    [{ type: "boolean" }, "yes", { ok: true, value: true }],
    [{ type: "boolean" }, "N", { ok: true, value: false }],
    [{ type: "boolean" }, "maybe", { ok: false, reason: "expected yes or no" }],
    [{ type: "string", enum: ["a", "b"] }, "c", {
      ok: false,
      reason: "expected one of a, b",
    }],
    [{ type: "string", oneOf: [{ const: "x" }] }, "x", {
      ok: true,
      value: "x",
    }],
  ];
  for (const [field, text, expected] of table) {
    assert.deepEqual(
      parseFieldAnswer(field, text),
      expected,
      `${JSON.stringify(field)} ${text}`,
    );
  }
});

Deno.test("elicit: a form is asked field by field; n declines; a closed terminal cancels", async () => {
  const said: string[] = [];
  const script = (answers: Array<string | undefined>) => (question: string) => {
    said.push(question);
    return Promise.resolve(answers.shift());
  };
  const params = {
    message: "Who are you?",
    requestedSchema: {
      type: "object",
      properties: { name: { type: "string" }, age: { type: "integer" } },
      required: ["name"],
    },
  };
  assert.deepEqual(
    await elicitOnTerminal(
      params,
      script(["", "", "Ada", "x", "36"]),
      (l) => said.push(l),
    ),
    { action: "accept", content: { name: "Ada", age: 36 } },
  );
  assert.ok(said.includes("The server asks: Who are you?"));
  assert.ok(said.includes("  an answer is required"));
  assert.ok(said.includes("  expected an integer"));
  assert.deepEqual(await elicitOnTerminal(params, script(["n"]), () => {}), {
    action: "decline",
  });
  assert.deepEqual(
    await elicitOnTerminal(params, script([undefined]), () => {}),
    {
      action: "cancel",
    },
  );
  assert.deepEqual(
    await elicitOnTerminal(
      { mode: "url", message: "Sign in", url: "https://x.test/a" },
      script([""]),
      (l) => said.push(l),
    ),
    { action: "accept" },
  );
  assert.ok(said.includes("  Open https://x.test/a"));
});

Deno.test("-c: a tool that asks for input is answered on the terminal", async () => {
  await using server = await startMcpServer();
  const result = await runWithScriptedTerminal(["-c", "elicit message=Name?"], {
    MCP_SERVER_URL: server.url.href,
  }, ["y", "Ada"]);
  assert.equal(result.code, 0, result.stderr.join("\n"));
  assert.ok(result.stderr.includes("The server asks: Name?"), result.stderr.join("\n"));
  assert.match(result.stdout, /"action":"accept","content":\{"name":"Ada"\}/);
});

Deno.test("-c: without a terminal, a question from the server is a clear error", async () => {
  await using server = await startMcpServer();
  const result = await runMain(["-c", "elicit message=Name?"], {
    env: { MCP_SERVER_URL: server.url.href },
  });
  const call = server.requestsFor("initialize")[0].body as {
    params: { capabilities: Record<string, unknown> };
  };
  assert.deepEqual(call.params.capabilities.elicitation, { form: {}, url: {} });
  assert.ok(
    server.requests.some((r) =>
      JSON.stringify(r.body ?? "").includes(
        "Cannot answer the server's question without a terminal",
      )
    ),
    "the server was told why",
  );
  assert.notEqual(result.code, 0, result.stdout + result.stderr);
});
