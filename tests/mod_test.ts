/**
 * The library, imported through `mod.ts` as a user would, against real peers on 127.0.0.1: the
 * SDK fixture server, the OAuth authorization server with the user-agent fixture as the browser,
 * and the program itself sharing the state file.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { BridgeError, connect, serveBridge } from "../mod.ts";
import { startMcpServer } from "./fixtures/mcp_server.ts";
import { startGuardedServer, USER_AGENT_BROWSER } from "./oauth/harness.ts";
import { baseEnv, createTempDir, runMain } from "./support/main_process.ts";
import { awaitWithin } from "./support/wait.ts";

const TOKEN = "library-token-7c1d9e";

Deno.test("connect(): tools, resources and prompts with a static token; await using ends it", async () => {
  await using server = await startMcpServer({ verifyToken: (token) => token === TOKEN });
  const logs: string[] = [];
  {
    await using client = await connect({
      serverUrl: server.url,
      accessToken: TOKEN,
      headers: { "X-Team": "platform" },
      env: baseEnv(),
      onLog: (line) => logs.push(line),
    });
    assert.equal(typeof client.serverInfo.name, "string");
    assert.equal(typeof client.protocolVersion, "string");
    const tools = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "echo"));
    const echoed = await client.callTool("echo", { message: "hi" });
    assert.equal(echoed.content[0].text, "hi");
    assert.deepEqual(
      (await client.callTool("add", { a: 1, b: 2 })).content[0].text,
      "3",
    );
    const read = await client.readResource("fixture://readme");
    assert.equal(read.contents[0].text, "Hello from the fixture");
    assert.ok((await client.listResources()).some((r) => r.uri === "fixture://readme"));
    assert.ok(
      (await client.listResourceTemplates()).some((t) => t.uriTemplate === "fixture://items/{id}"),
    );
    assert.ok((await client.listPrompts()).some((prompt) => prompt.name === "greet"));
    const prompt = await client.getPrompt("greet", { name: "Ada" });
    assert.equal(prompt.messages[0].content.text, "Greet Ada");
    await assert.rejects(
      client.getPrompt("nonexistent"),
      (error) => error instanceof BridgeError && error.kind === "server_error",
    );
  }
  const posts = server.requests.filter((request) => request.method === "POST");
  assert.ok(posts.every((request) => request.headers.authorization === `Bearer ${TOKEN}`));
  assert.ok(posts.every((request) => request.headers["x-team"] === "platform"));
  assert.ok(server.requests.some((request) => request.method === "DELETE"), "session ended");
  assert.ok(!logs.join("\n").includes(TOKEN));
});

Deno.test("connect(): signs in like the program and shares its state file", async () => {
  await using server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  const env = baseEnv({ BROWSER: USER_AGENT_BROWSER });
  const lines: string[] = [];
  {
    await using client = await connect({
      serverUrl: server.mcp.url,
      stateFile,
      env,
      onLog: (line) => lines.push(line),
    });
    assert.ok((await client.listTools()).length > 0);
  }
  const state = Deno.readTextFileSync(stateFile);
  assert.match(state, /MCP_CLIENT_ACCESS_TOKEN=/);
  assert.match(state, /MCP_CLIENT_REFRESH_TOKEN=/);
  assert.ok(lines.some((line) => line.startsWith("Sign in to ")), lines.join("\n"));

  // No browser this time: the stored token is used.
  {
    await using again = await connect({
      serverUrl: server.mcp.url,
      stateFile,
      env,
      interactive: false,
    });
    assert.ok((await again.listTools()).length > 0);
  }
  // The program accepts the library's sign-in, and the other way round.
  const cli = await runMain(["--test-auth", "--env-file", stateFile], {
    env: { MCP_SERVER_URL: server.mcp.url.href },
  });
  assert.equal(cli.code, 0, cli.stderr);
});

Deno.test("connect(): no token and no browser allowed is auth_required", async () => {
  await using server = await startGuardedServer();
  await assert.rejects(
    connect({
      serverUrl: server.mcp.url,
      stateFile: `${server.dir}/state.env`,
      env: baseEnv(),
      interactive: false,
      onLog: () => {},
    }),
    (error) => error instanceof BridgeError && error.kind === "auth_required",
  );
});

Deno.test("connect(): settings errors are BridgeErrors of kind config", async () => {
  await assert.rejects(
    connect({ env: baseEnv() }),
    (error) => error instanceof BridgeError && error.kind === "config",
  );
  await assert.rejects(
    connect({ server: "docs", config: `${createTempDir()}/none.json`, env: baseEnv() }),
    (error) => error instanceof BridgeError && /Config file not found/.test(error.message),
  );
});

/** Collects newline-delimited JSON from a stream and waits for a response by id. */
function createLineSink() {
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let buffer = "";
  const decoder = new TextDecoder();
  const stream = new WritableStream<Uint8Array>({
    write(chunk) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        messages.push(JSON.parse(buffer.slice(0, newline)));
        buffer = buffer.slice(newline + 1);
      }
      for (const wake of waiters.splice(0)) wake();
    },
  });
  const response = (id: number) =>
    awaitWithin(
      (async () => {
        for (;;) {
          const found = messages.find((message) => message.id === id);
          if (found) return found;
          await new Promise<void>((resolve) => waiters.push(resolve));
        }
      })(),
      `the response to request ${id}`,
    );
  return { stream, response, messages };
}

Deno.test("serveBridge(): relays JSON-RPC lines between given streams until input ends", async () => {
  await using server = await startMcpServer({ verifyToken: (token) => token === TOKEN });
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const writer = input.writable.getWriter();
  const sink = createLineSink();
  const send = (message: unknown) =>
    writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  const running = serveBridge(
    { input: input.readable, output: sink.stream },
    { serverUrl: server.url, accessToken: TOKEN, env: baseEnv(), onLog: () => {} },
  );
  await send({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "embedder", version: "1.0.0" },
    },
  });
  assert.ok("result" in await sink.response(1));
  await send({ jsonrpc: "2.0", method: "notifications/initialized" });
  await send({
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "echo", arguments: { message: "embedded" } },
  });
  const called = await sink.response(2) as { result: { content: { text: string }[] } };
  assert.equal(called.result.content[0].text, "embedded");
  await writer.close();
  await running;
  assert.ok(sink.messages.every((message) => message.jsonrpc === "2.0"));
  assert.ok(server.requests.some((request) => request.method === "DELETE"), "session ended");
});

Deno.test("importing mod.ts runs nothing: no program, no exit", async () => {
  const dir = createTempDir();
  const script = `${dir}/import_mod.ts`;
  const mod = new URL("../mod.ts", import.meta.url).href;
  Deno.writeTextFileSync(
    script,
    `const mod = await import(${JSON.stringify(mod)});\n` +
      `console.log(Object.keys(mod).sort().join(","));\n`,
  );
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      "-A",
      `--config=${fileURLToPath(new URL("../deno.json", import.meta.url))}`,
      script,
      "--version",
    ],
    env: baseEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(stdout, "BridgeError,ExitCode,connect,serveBridge\n");
});

Deno.test("the README's library examples type-check against mod.ts", async () => {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const start = readme.indexOf("<!-- section:library -->");
  const section = readme.slice(start, readme.indexOf("<!-- section:", start + 10));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
  assert.equal(blocks.length, 2);
  const dir = createTempDir();
  const mod = new URL("../mod.ts", import.meta.url).href;
  const files = blocks.map((code, i) => {
    const path = `${dir}/example_${i}.ts`;
    Deno.writeTextFileSync(path, code.replaceAll('"./mod.ts"', JSON.stringify(mod)));
    return path;
  });
  const config = fileURLToPath(new URL("deno.json", import.meta.url));
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["check", "-q", `--config=${config}`, ...files],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
});
