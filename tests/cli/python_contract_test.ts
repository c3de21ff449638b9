/**
 * The Python tool's contract, through the real entry point: `--token "Bearer …" --test-auth`,
 * `--print-token`, and the `.env` it left in the working directory.
 */
import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import { createTempDir, runMain } from "../support/main_process.ts";
import { callServer, createManager, startGuardedServer } from "../oauth/harness.ts";

async function signedIn() {
  const server = await startGuardedServer();
  const stateFile = `${server.dir}/state.env`;
  const { manager } = await createManager(server, { stateFile });
  const { token } = await callServer(manager, server.mcp.url);
  return { server, stateFile, token: token! };
}

Deno.test('--token "Bearer …" --test-auth tests the given token', async () => {
  const { server, token } = await signedIn();
  await using _ = server;
  const env = { MCP_SERVER_URL: server.mcp.url.href };
  const good = await runMain(["--token", `Bearer ${token}`, "--test-auth"], {
    env,
  });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /Access token accepted by the server/);
  assert.ok(
    !good.stdout.includes(token) && !good.stderr.includes(token),
    "never printed",
  );

  const bad = await runMain(["--test-auth", "--token=Bearer not-a-token"], {
    env,
  });
  assert.equal(bad.code, 4, bad.stderr);
  assert.match(bad.stderr, /MCP_CLIENT_ACCESS_TOKEN/);
});

Deno.test("--token prints the access token only with --print-token", async () => {
  const { server, stateFile, token } = await signedIn();
  await using _ = server;
  const env = { MCP_SERVER_URL: server.mcp.url.href };
  const args = ["--env-file", stateFile, "--token"];
  const plain = await runMain(args, { env });
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(!plain.stdout.includes(token) && !plain.stderr.includes(token));
  const json = await runMain([...args, "--json"], { env });
  assert.equal(JSON.parse(json.stdout).result.token, undefined);

  const printed = await runMain([...args, "--print-token"], { env });
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(printed.stdout, `${token}\n`, "stdout carries the token alone");
  assert.match(printed.stderr, /Access token accepted/);
  const printedJson = await runMain([...args, "--print-token", "--json"], {
    env,
  });
  assert.equal(printedJson.code, 0, printedJson.stderr);
  assert.equal(JSON.parse(printedJson.stdout).result.token, token);

  const misuse = await runMain(["--list-tools", "--print-token"], { env });
  assert.equal(misuse.code, 2);
});

Deno.test("a .env left by the Python tool is imported once into the state file", async () => {
  const { server, stateFile } = await signedIn();
  await using _ = server;
  const python = { ...parseEnv(await Deno.readTextFile(stateFile)) };
  const cwd = createTempDir();
  await Deno.writeTextFile(
    `${cwd}/.env`,
    [
      `MCP_SERVER_URL=${server.mcp.url.href}`,
      `MCP_CLIENT_ID=${python.MCP_CLIENT_ID}`,
      `MCP_CLIENT_ACCESS_TOKEN=${python.MCP_CLIENT_ACCESS_TOKEN}`,
      `MCP_CLIENT_REFRESH_TOKEN=${python.MCP_CLIENT_REFRESH_TOKEN}`,
    ].join("\n") + "\n",
  );
  const home = createTempDir("mcp-shc-home-");
  const env = { HOME: home, XDG_CONFIG_HOME: `${home}/.config` };
  const first = await runMain(["--list-tools"], { cwd, env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stderr,
    /Note: Imported the sign-in from ".*\/\.env" \(left by the Python/,
  );
  assert.equal(server.auth.tokenCounts.authorization_code, 1, "no new sign-in");

  const dir = `${home}/.config/mcp-streamablehttp-client`;
  const [state] = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".env"));
  const imported = {
    ...parseEnv(await Deno.readTextFile(`${dir}/${state.name}`)),
  };
  assert.equal(
    imported.MCP_CLIENT_ACCESS_TOKEN,
    python.MCP_CLIENT_ACCESS_TOKEN,
  );
  assert.equal(imported.MCP_CLIENT_ID, python.MCP_CLIENT_ID);
  assert.equal(
    imported.MCP_CLIENT_IMPORTED_FROM,
    `${Deno.realPathSync(cwd)}/.env`,
  );

  const second = await runMain(["--list-tools"], { cwd, env });
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /Imported/);
});
