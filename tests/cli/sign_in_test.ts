/**
 * The sign-in messages and exit codes a user meets, through the real entry point: nobody
 * present, an abandoned sign-in, Ctrl-C, a refused fixed token, a server that needs no sign-in or
 * wants a bearer token without OAuth metadata.
 */
import assert from "node:assert/strict";
import { spawnMain } from "../support/main_process.ts";
import { runMain } from "../support/main_process.ts";
import { startGuardedServer } from "../oauth/harness.ts";
import { startMcpServer } from "../fixtures/mcp_server.ts";
import { initializeRequest } from "../support/bridge_process.ts";
import { awaitWithin } from "../support/wait.ts";

/** Spawns the program and resolves once its stderr matches `pattern`. */
function startUntil(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp,
  stdin?: string,
) {
  const child = spawnMain(args, { env });
  const decoder = new TextDecoder();
  let stderr = "";
  let stdout = "";
  let matched: () => void = () => {};
  const seen = new Promise<void>((resolve) => matched = resolve);
  const reading = Promise.all([
    (async () => {
      for await (const chunk of child.stderr) {
        stderr += decoder.decode(chunk, { stream: true });
        if (pattern.test(stderr)) matched();
      }
    })(),
    (async () => {
      for await (const chunk of child.stdout) {
        stdout += decoder.decode(chunk, { stream: true });
      }
    })(),
  ]);
  const writer = child.stdin.getWriter();
  const input = stdin === undefined
    ? writer.close()
    : writer.write(new TextEncoder().encode(stdin));
  return {
    seen,
    async interrupt() {
      child.kill("SIGINT");
      const status = await child.status;
      await reading;
      await input;
      await writer.close().catch(() => {});
      return { code: status.code, stderr, stdout };
    },
  };
}

Deno.test("nobody present: -c and --token exit 4 at once, register nothing, say how to sign in", async () => {
  await using server = await startGuardedServer();
  for (
    const args of [["-c", "echo message=hi"], ["--token"], ["--list-tools"]]
  ) {
    const result = await runMain(args, {
      env: { MCP_SERVER_URL: server.mcp.url.href },
    });
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /nobody is present to sign in \(no terminal\)/);
    assert.match(result.stderr, /--token` on a machine with a browser/);
    assert.match(result.stderr, /MCP_CLIENT_ACCESS_TOKEN/);
    assert.match(result.stderr, /--client-credentials/);
    assert.doesNotMatch(result.stderr, /authorize\?/);
  }
  // CI wins even over a configured browser.
  const ci = await runMain(["--list-tools"], {
    env: { MCP_SERVER_URL: server.mcp.url.href, CI: "true", BROWSER: "true" },
  });
  assert.equal(ci.code, 4, ci.stderr);
  assert.match(ci.stderr, /nobody is present to sign in \(CI is set\)/);
  assert.equal(server.auth.registrations, 0, "nothing was registered");
});

Deno.test("an abandoned sign-in names --auth-timeout and exits 4", async () => {
  await using server = await startGuardedServer();
  const result = await runMain(["-c", "echo message=hi"], {
    env: {
      MCP_SERVER_URL: server.mcp.url.href,
      BROWSER: "true",
      MCP_CLIENT_AUTH_TIMEOUT: "0.5",
    },
  });
  assert.equal(result.code, 4, result.stderr);
  assert.match(
    result.stderr,
    /Sign-in did not finish within 0\.5 s \(--auth-timeout\)/,
  );
});

Deno.test("Ctrl-C during a sign-in is `interrupted`, exit 130, in CLI modes and the proxy", async () => {
  await using server = await startGuardedServer();
  const env = { MCP_SERVER_URL: server.mcp.url.href, BROWSER: "true" };
  for (
    const args of [["-c", "echo message=hi"], ["--token"], [
      "--token",
      "--json",
    ]]
  ) {
    const run = startUntil(args, env, /Sign in to /);
    await awaitWithin(run.seen, "the sign-in prompt");
    const { code, stderr, stdout } = await run.interrupt();
    assert.equal(code, 130, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, /Error: (Interrupted by SIGINT|Request "initialize" was interrupted)/);
    assert.match(stderr, /Hint: The program was (stopped|interrupted)/);
    if (args.includes("--json")) {
      assert.equal(JSON.parse(stdout).error.kind, "interrupted");
    }
  }
  const proxy = startUntil(
    [],
    env,
    /Sign in to /,
    JSON.stringify(initializeRequest(1)) + "\n",
  );
  await awaitWithin(proxy.seen, "the sign-in prompt");
  const { code, stdout } = await proxy.interrupt();
  assert.equal(code, 130);
  const answer = JSON.parse(stdout.trim().split("\n").at(-1)!);
  assert.equal(answer.id, 1);
  assert.equal(answer.error.data.kind, "interrupted");
  assert.equal(answer.error.code, -31012);
});

Deno.test("a refused fixed token points at MCP_CLIENT_ACCESS_TOKEN, not --reset-auth", async () => {
  await using server = await startMcpServer({
    verifyToken: (token) => token === "good",
  });
  const result = await runMain(["--list-tools"], {
    env: {
      MCP_SERVER_URL: server.url.href,
      MCP_CLIENT_ACCESS_TOKEN: "Bearer wrong",
    },
  });
  assert.equal(result.code, 4, result.stderr);
  assert.match(
    result.stderr,
    /Server refused the configured access token: HTTP 401/,
  );
  assert.match(result.stderr, /Hint: Replace MCP_CLIENT_ACCESS_TOKEN/);
  assert.doesNotMatch(result.stderr, /--reset-auth/);
});

Deno.test("--token on a server that needs no sign-in says so and exits 0", async () => {
  await using server = await startMcpServer();
  const result = await runMain(["--token"], { env: { MCP_SERVER_URL: server.url.href } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /does not require a sign-in/);
  const json = await runMain(["--token", "--json"], { env: { MCP_SERVER_URL: server.url.href } });
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).result.action, "not-needed");
});

Deno.test("a 401 from a server without OAuth metadata asks for a bearer token", async () => {
  await using server = await startMcpServer({ verifyToken: (token) => token === "good" });
  const result = await runMain(["--list-tools"], {
    env: { MCP_SERVER_URL: server.url.href, BROWSER: "true" },
  });
  assert.equal(result.code, 4, result.stderr);
  assert.match(
    result.stderr,
    /Server requires an access token and publishes no OAuth metadata to sign in with: "127\.0\.0\.1:\d+"/,
  );
  assert.match(result.stderr, /Hint: Put the server's access token in MCP_CLIENT_ACCESS_TOKEN/);
  assert.match(result.stderr, /--header "Authorization: Bearer \$\{TOKEN_VARIABLE\}"/);
  assert.doesNotMatch(result.stderr, /--reset-auth|content-type/);
});

/** A server that accepts requests and never answers; `reached` resolves on the first one. */
function startSilentServer() {
  let reached: () => void = () => {};
  const first = new Promise<void>((resolve) => reached = resolve);
  const never = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    reached();
    return new Promise<Response>((resolve) => {
      const answer = () => resolve(new Response(null, { status: 503 }));
      request.signal.addEventListener("abort", answer, { once: true });
      never.signal.addEventListener("abort", answer, { once: true });
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    reached: first,
    async [Symbol.asyncDispose]() {
      never.abort();
      await server.shutdown();
    },
  };
}

Deno.test("Ctrl-C aborts an OAuth request in flight: exit 130, kind interrupted", async () => {
  await using silent = startSilentServer();
  // RFC 7592: the registration endpoint never answers.
  const dir = Deno.makeTempDirSync({ prefix: "mcp-shc-int-" });
  const stateFile = `${dir}/state.env`;
  await Deno.writeTextFile(
    stateFile,
    `MCP_CLIENT_ID=c1\nMCP_CLIENT_REGISTRATION_URI=${silent.url}/register/c1\n` +
      "MCP_CLIENT_REGISTRATION_TOKEN=reg-token\n",
  );
  const info = startUntil(
    ["--env-file", stateFile, "--get-client-info", "--json"],
    { MCP_SERVER_URL: "http://127.0.0.1:9/mcp" },
    /$^/,
  );
  await awaitWithin(silent.reached, "the request at the silent server");
  const { code, stdout, stderr } = await info.interrupt();
  assert.equal(code, 130, stderr);
  assert.equal(JSON.parse(stdout).error.kind, "interrupted");
  assert.doesNotMatch(stderr, /Unexpected failure/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Ctrl-C during OAuth discovery aborts it: exit 130", async () => {
  await using silent = startSilentServer();
  // The MCP server points at resource metadata that never arrives.
  await using server = await startMcpServer({
    verifyToken: () => false,
    resourceMetadataUrl: `${silent.url}/.well-known/oauth-protected-resource`,
  });
  const run = startUntil(
    ["--list-tools"],
    { MCP_SERVER_URL: server.url.href, BROWSER: "true" },
    /$^/,
  );
  await awaitWithin(silent.reached, "the request at the silent server");
  const { code, stderr } = await run.interrupt();
  assert.equal(code, 130, stderr);
  assert.match(stderr, /Hint: The program was (stopped|interrupted)/);
});
