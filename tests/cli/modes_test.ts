/**
 * The client modes, each spawned as the real program against the fixture MCP server, asserting
 * stdout, stderr and the exit code separately.
 */

import assert from "node:assert/strict";
import { type McpServerFixture, startMcpServer } from "../fixtures/mcp_server.ts";
import { type MainResult, runMain } from "../support/main_process.ts";
import { stablePort } from "../support/ports.ts";

function run(
  server: McpServerFixture,
  args: string[],
  env: Record<string, string> = {},
): Promise<MainResult> {
  return runMain(args, { env: { MCP_SERVER_URL: server.url.href, ...env } });
}

function parseDocument(stdout: string): Record<string, unknown> {
  assert.ok(stdout.endsWith("\n"), "the document ends with a newline");
  assert.equal(stdout.trimEnd().split("\n").length, 1, "exactly one line on stdout");
  return JSON.parse(stdout);
}

function toolCalls(server: McpServerFixture) {
  return server.requestsFor("tools/call");
}

function sessionEnded(server: McpServerFixture): boolean {
  return server.requests.some((r) => r.method === "DELETE");
}

// ---------------------------------------------------------------------------------------------
// list modes

Deno.test("--list-tools prints an aligned list with parameters and ends the session", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--list-tools"]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const lines = result.stdout.split("\n");
  assert.match(lines[0], /^Tools \(\d+\)$/);
  assert.ok(lines.some((l) => /^echo +Echoes a message$/.test(l)), result.stdout);
  assert.ok(lines.some((l) => /^ {4}message +string +required$/.test(l)), result.stdout);
  assert.ok(lines.some((l) => /^ {4}a +number +required$/.test(l)), result.stdout);
  assert.ok(lines.some((l) => /^ {4}how +string +optional$/.test(l)), result.stdout);
  const echo = lines.find((l) => l.startsWith("echo "))!;
  const add = lines.find((l) => l.startsWith("add "))!;
  assert.equal(echo.indexOf("Echoes"), add.indexOf("Adds"), "descriptions are aligned");
  assert.ok(!result.stdout.includes("\x1b["), "no colors when stdout is not a terminal");
  assert.ok(sessionEnded(server), "the session was ended with DELETE");
});

Deno.test("--list-tools --json prints one document with every tool", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--list-tools", "--json"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  const document = parseDocument(result.stdout) as {
    ok: boolean;
    result: { tools: { name: string; inputSchema: unknown }[] };
  };
  assert.equal(document.ok, true);
  const names = document.result.tools.map((t) => t.name);
  for (const name of ["echo", "add", "progress", "slow", "fail"]) assert.ok(names.includes(name));
});

Deno.test("--list-tools follows nextCursor through every page", async () => {
  const pages: Record<string, { tools: unknown[]; nextCursor?: string }> = {
    "": {
      tools: [
        { name: "one", description: "First", inputSchema: { type: "object" } },
        { name: "two", inputSchema: { type: "object" } },
      ],
      nextCursor: "page-2",
    },
    "page-2": {
      tools: [{ name: "three", title: "Third tool", inputSchema: { type: "object" } }],
      nextCursor: "page-3",
    },
    "page-3": { tools: [{ name: "four", inputSchema: { type: "object" } }] },
  };
  await using server = await startMcpServer({
    intercept: (_request, recorded) => {
      const body = recorded.body as { id?: number; method?: string; params?: { cursor?: string } };
      if (body?.method !== "tools/list") return undefined;
      const page = pages[body.params?.cursor ?? ""];
      return Response.json({ jsonrpc: "2.0", id: body.id, result: page });
    },
  });
  const json = await run(server, ["--format", "json", "--list-tools"]);
  assert.equal(json.code, 0, json.stderr);
  const document = parseDocument(json.stdout) as { result: { tools: { name: string }[] } };
  assert.deepEqual(document.result.tools.map((t) => t.name), ["one", "two", "three", "four"]);
  const cursors = server.requestsFor("tools/list").map((r) =>
    (r.body as { params?: { cursor?: string } }).params?.cursor
  );
  assert.deepEqual(cursors, [undefined, "page-2", "page-3"]);

  const human = await run(server, ["--list-tools"]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^Tools \(4\)\n/);
  assert.match(human.stdout, /\nthree {2}Third tool\n/);
});

Deno.test("--list-resources lists resources and templates", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--list-resources"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /^Resources \(\d+\)\n/);
  assert.match(result.stdout, /\nfixture:\/\/readme +readme +text\/plain +A small text resource\n/);
  assert.match(result.stdout, /\nResource templates \(1\)\n/);
  assert.match(
    result.stdout,
    /\nfixture:\/\/items\/\{id\} +item +application\/json +An item by id\n/,
  );

  const json = await run(server, ["--list-resources", "--json"]);
  assert.equal(json.code, 0);
  const document = parseDocument(json.stdout) as {
    ok: boolean;
    result: { resources: { uri: string }[]; resourceTemplates: { uriTemplate: string }[] };
  };
  assert.equal(document.ok, true);
  assert.ok(document.result.resources.some((r) => r.uri === "fixture://readme"));
  assert.deepEqual(document.result.resourceTemplates.map((t) => t.uriTemplate), [
    "fixture://items/{id}",
  ]);
});

Deno.test("--list-prompts lists prompts with their arguments", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--list-prompts"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.equal(
    result.stdout,
    "Prompts (1)\n\ngreet  Greets someone\n    name   required\n    style  optional\n",
  );
  const json = await run(server, ["--list-prompts", "--json"]);
  const document = parseDocument(json.stdout) as { result: { prompts: { name: string }[] } };
  assert.deepEqual(document.result.prompts.map((p) => p.name), ["greet"]);
});

// ---------------------------------------------------------------------------------------------
// -c

Deno.test("-c calls a tool with each argument form", async () => {
  await using server = await startMcpServer();
  const cases: [string, string][] = [
    ["echo message=hi", "hi\n"],
    ["echo message='Hello World'", "Hello World\n"],
    ['echo "Hello World"', "Hello World\n"],
    ["echo Hello   World", "Hello   World\n"],
    ["echo https://example.com/?q=1&x=2", "https://example.com/?q=1&x=2\n"],
    ["add a=2 b=-0.5", "1.5\n"],
    ["add a=1e3 b=1", "1001\n"],
    ['add {"a":1,"b":2}', "3\n"],
  ];
  for (const [command, stdout] of cases) {
    const result = await run(server, ["-c", command]);
    assert.equal(result.stderr, "", command);
    assert.equal(result.stdout, stdout, command);
    assert.equal(result.code, 0, command);
  }
  const sent = toolCalls(server).map((r) => {
    const { name, arguments: args } = (r.body as { params: { name: string; arguments: unknown } })
      .params;
    return { name, arguments: args };
  });
  assert.deepEqual(sent[3], { name: "echo", arguments: { message: "Hello   World" } });
  assert.deepEqual(sent[5], { name: "add", arguments: { a: 2, b: -0.5 } });
  assert.deepEqual(sent[6], { name: "add", arguments: { a: 1000, b: 1 } });
});

Deno.test("-c --json prints the tool result as one document", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--json", "--command", "echo message=hi"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.deepEqual(parseDocument(result.stdout), {
    ok: true,
    result: { content: [{ type: "text", text: "hi" }] },
  });
});

Deno.test("-c with a tool result isError: true exits 1", async () => {
  await using server = await startMcpServer();
  const human = await run(server, ["-c", "fail"]);
  assert.equal(human.code, 1);
  assert.equal(human.stdout, "this tool always fails\n");
  assert.match(human.stderr, /Tool "fail" reported an error \(isError: true\)/);

  const json = await run(server, ["-c", "fail", "--json"]);
  assert.equal(json.code, 1);
  const document = parseDocument(json.stdout) as {
    ok: boolean;
    result: { isError: boolean };
    error: { kind: string };
  };
  assert.equal(document.ok, false);
  assert.equal(document.result.isError, true);
  assert.equal(document.error.kind, "server_error");
});

Deno.test("-c with an unknown tool is a usage error listing the tools", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["-c", "nope x=1"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Error: Unknown tool: "nope"/);
  assert.match(result.stderr, /Hint: Available tools: echo, add, /);
  assert.equal(toolCalls(server).length, 0);
  assert.ok(sessionEnded(server));

  const json = await run(server, ["-c", "nope", "--json"]);
  assert.equal(json.code, 2);
  const document = parseDocument(json.stdout) as {
    ok: boolean;
    error: { kind: string; details: { available: string[] } };
  };
  assert.equal(document.ok, false);
  assert.equal(document.error.kind, "usage");
  assert.ok(document.error.details.available.includes("echo"));
});

Deno.test("-c with a missing required argument fails before the call is sent", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["-c", "add a=1"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Missing required argument for tool "add": "b"/);
  assert.match(result.stderr, /Usage: -c 'add a=<number> b=<number>'/);

  const unknownKey = await run(server, ["-c", "echo mesage=hi"]);
  assert.equal(unknownKey.code, 2);
  assert.match(unknownKey.stderr, /Unknown argument for tool "echo": "mesage"/);
  assert.match(unknownKey.stderr, /Did you mean "message"\?/);

  const badType = await run(server, ["-c", "add a=one b=2"]);
  assert.equal(badType.code, 2);
  assert.match(badType.stderr, /expected number, got "one"/);

  assert.equal(toolCalls(server).length, 0, "the server saw no tools/call");
});

Deno.test("-c shows progress and asks for it with a progress token", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["-c", "progress steps=3", "--log-level", "INFO"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, "done 3\n");
  assert.match(result.stderr, /progress 1\/3 \(33%\)/);
  assert.match(result.stderr, /progress 3\/3 \(100%\)/);
  const call = toolCalls(server)[0].body as { params: { _meta?: { progressToken?: unknown } } };
  assert.notEqual(call.params._meta?.progressToken, undefined);

  const quiet = await run(server, ["-c", "progress steps=2"]);
  assert.equal(quiet.code, 0);
  assert.equal(quiet.stdout, "done 2\n");
  assert.equal(quiet.stderr, "", "no progress lines when stderr is not a terminal");
});

Deno.test("-c: a call that sends 60 progress notifications runs to its end", async () => {
  await using server = await startMcpServer();
  // That each notification restarts the timeout is proven on injected timers in
  // mcp_client_test.ts; a short --timeout here would race a loaded machine.
  const result = await run(server, ["-c", "progress steps=60"]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  assert.equal(result.stdout, "done 60\n");
  const call = toolCalls(server)[0].body as { params: { _meta?: { progressToken?: unknown } } };
  assert.ok(call.params._meta?.progressToken !== undefined, "the call asks for progress");
});

Deno.test("-c answers the server's ping", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["-c", "ping_client"]);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "pong\n");
  assert.equal(result.code, 0);
});

Deno.test("-c declines the server's sampling request", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["-c", "sample prompt=hi"]);
  assert.equal(result.code, 1);
  const answers = server.requests
    .map((r) => r.body as { id?: unknown; error?: { code: number }; method?: string })
    .filter((b) => b && b.error !== undefined && b.method === undefined);
  assert.equal(answers.length, 1, "the client answered the sampling request with an error");
  assert.equal(answers[0].error!.code, -32601);
});

// ---------------------------------------------------------------------------------------------
// read, prompt, raw

Deno.test("--read-resource prints the resource text", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--read-resource", "fixture://readme"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "Hello from the fixture\n");

  const json = await run(server, ["--read-resource", "fixture://items/7", "--json"]);
  assert.equal(json.code, 0);
  const document = parseDocument(json.stdout) as { result: { contents: { text: string }[] } };
  assert.equal(document.result.contents[0].text, '{"id":"7"}');
});

Deno.test("--get-prompt fills the prompt's arguments", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--get-prompt", "greet name=Ada style='very formal'"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, "[user]\nGreet Ada in a very formal way\n");

  const bare = await run(server, ["--get-prompt", "greet Grace Hopper", "--json"]);
  assert.equal(bare.code, 0);
  const document = parseDocument(bare.stdout) as {
    result: { messages: { content: { text: string } }[] };
  };
  assert.equal(document.result.messages[0].content.text, "Greet Grace Hopper");

  const missing = await run(server, ["--get-prompt", "greet style=x"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Missing required argument for prompt "greet": "name"/);
  assert.equal(server.requestsFor("prompts/get").length, 2);
});

Deno.test("--raw fills in jsonrpc and id, initializes first and prints the response", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["--raw", '{"method":"tools/list"}']);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  const response = parseDocument(result.stdout) as {
    jsonrpc: string;
    id: unknown;
    result: { tools: unknown[] };
  };
  assert.equal(response.jsonrpc, "2.0");
  assert.equal(typeof response.id, "number");
  assert.ok(response.result.tools.length > 0);
  assert.equal(server.requestsFor("initialize").length, 1);
  const sent = server.requestsFor("tools/list")[0].body as { id: unknown };
  assert.equal(sent.id, response.id);
});

Deno.test("--raw initialize is sent as given, without a second initialize", async () => {
  await using server = await startMcpServer();
  const message = {
    jsonrpc: "2.0",
    id: "mine",
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "raw-test", version: "1" },
    },
  };
  const result = await run(server, ["--raw", JSON.stringify(message)]);
  assert.equal(result.code, 0);
  const response = parseDocument(result.stdout) as {
    id: string;
    result: { serverInfo: { name: string }; protocolVersion: string };
  };
  assert.equal(response.id, "mine");
  assert.equal(response.result.serverInfo.name, "fixture-mcp-server");
  assert.equal(response.result.protocolVersion, "2025-06-18");
  assert.equal(server.requestsFor("initialize").length, 1);
});

Deno.test("--raw exits 1 on a JSON-RPC error and 2 on a message it cannot read", async () => {
  await using server = await startMcpServer();
  const error = await run(server, ["--raw", '{"method":"no/such/method","params":{}}']);
  assert.equal(error.code, 1);
  const response = parseDocument(error.stdout) as { error: { code: number } };
  assert.equal(response.error.code, -32601);

  const bad = await run(server, ["--raw", "{not json"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /Invalid JSON in --raw/);
  assert.equal(server.requestsFor("initialize").length, 1, "nothing sent for the bad message");
});

// ---------------------------------------------------------------------------------------------
// exit codes

Deno.test("a slow tool beyond --timeout exits 6 and cancels the request", async () => {
  await using server = await startMcpServer();
  const result = await run(server, ["-c", "slow ms=3000", "--timeout", "0.5"]);
  assert.equal(result.code, 6);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Request "tools\/call" timed out after 0.5 s/);
  const cancelled = server.requestsFor("notifications/cancelled");
  assert.equal(cancelled.length, 1);
  const call = toolCalls(server)[0].body as { id: unknown };
  assert.equal((cancelled[0].body as { params: { requestId: unknown } }).params.requestId, call.id);

  const json = await run(server, ["-c", "slow ms=3000", "--timeout", "0.5", "--json"]);
  assert.equal(json.code, 6);
  const document = parseDocument(json.stdout) as { ok: boolean; error: { kind: string } };
  assert.deepEqual([document.ok, document.error.kind], [false, "timeout"]);
});

Deno.test("an unreachable server exits 5", async () => {
  const port = stablePort();
  const result = await runMain(["--list-tools", "--server-url", `http://127.0.0.1:${port}/mcp`]);
  assert.equal(result.code, 5);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Error: /);
  assert.match(result.stderr, /Hint: /);
});

Deno.test("a server that wants a token exits 4 without one and 0 with it", async () => {
  await using server = await startMcpServer({ verifyToken: (token) => token === "good-token-1" });
  const refused = await run(server, ["--list-tools", "--json"], { BROWSER: "false" });
  assert.equal(refused.code, 4);
  const document = parseDocument(refused.stdout) as { ok: boolean; error: { kind: string } };
  assert.equal(document.ok, false);
  assert.match(document.error.kind, /^auth_/);

  const accepted = await run(server, ["-c", "echo message=ok"], {
    MCP_CLIENT_ACCESS_TOKEN: "good-token-1",
  });
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal(accepted.stdout, "ok\n");
});

Deno.test("a bad configuration exits 3", async () => {
  const result = await runMain(["--list-tools", "--json"], {
    env: { MCP_SERVER_URL: "ftp://example.com/mcp" },
  });
  assert.equal(result.code, 3);
  const document = parseDocument(result.stdout) as { ok: boolean; error: { kind: string } };
  assert.deepEqual([document.ok, document.error.kind], [false, "config"]);
  assert.match(result.stderr, /Unsupported server URL scheme/);
});

Deno.test("conflicting modes are a usage error (exit 2)", async () => {
  const result = await runMain(["--list-tools", "--list-prompts"]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Conflicting modes/);
});
