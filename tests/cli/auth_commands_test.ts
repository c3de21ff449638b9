import assert from "node:assert/strict";
import { runAuthCommand } from "../../lib/cli/auth_commands.ts";
import type { ModeContext } from "../../lib/cli/context.ts";
import { openEnvStore } from "../../lib/config/env_store.ts";
import { readEnvFile } from "../../lib/config/env_file.ts";
import { resolveSettings } from "../../lib/config/settings.ts";
import { silentLogger } from "../../lib/log.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import { type McpServerFixture, startMcpServer } from "../fixtures/mcp_server.ts";
import { type OidcServer, pkceChallenge, startOidcServer } from "../fixtures/oidc_server.ts";
import { createTempDir, type MainResult, runMain } from "../support/main_process.ts";
import { createScriptedIo } from "../support/scripted_terminal.ts";
import { renderScreen, runMainInTerminal } from "../support/terminal.ts";
import { stablePort } from "../support/ports.ts";

const REDIRECT = "http://127.0.0.1:8976/callback";
const SERVER_URL = "http://127.0.0.1:9/mcp";

/** Every secret a test issued, to scan all output for. */
class Secrets {
  readonly values = new Set<string>();
  add(...values: unknown[]) {
    for (const value of values) {
      if (typeof value === "string" && value.length >= 6) this.values.add(value);
    }
  }
  assertAbsent(...texts: string[]) {
    for (const text of texts) {
      for (const secret of this.values) {
        assert.ok(!text.includes(secret), `a secret leaked into the output:\n${text}`);
      }
    }
  }
}

interface Registered {
  clientId: string;
  clientSecret?: string;
  registrationToken: string;
  registrationUri: string;
  stateFile: string;
  secrets: Secrets;
}

/** Registers a client at `server` and writes a state file as a finished sign-in would. */
async function registerAndStore(
  server: Awaited<ReturnType<typeof startOidcServer>>,
  metadata: Record<string, unknown> = {},
): Promise<Registered> {
  const info = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["authorization_code", "refresh_token"],
    application_type: "native",
    client_name: "bridge test",
    ...metadata,
  });
  const stateFile = `${createTempDir()}/state.env`;
  const secrets = new Secrets();
  secrets.add(info.client_secret, info.registration_access_token, "access-token-value-123");
  secrets.add("refresh-token-value-456");
  await openEnvStore(stateFile).update({
    MCP_SERVER_URL: SERVER_URL,
    MCP_CLIENT_ID: info.client_id as string,
    MCP_CLIENT_SECRET: info.client_secret as string | undefined,
    MCP_CLIENT_REGISTRATION_TOKEN: info.registration_access_token as string,
    MCP_CLIENT_REGISTRATION_URI: info.registration_client_uri as string,
    MCP_CLIENT_ISSUER: server.issuer,
    MCP_CLIENT_AUTH_METHOD: info.token_endpoint_auth_method as string,
    MCP_CLIENT_REDIRECT_URI: REDIRECT,
    MCP_CLIENT_ACCESS_TOKEN: "access-token-value-123",
    MCP_CLIENT_REFRESH_TOKEN: "refresh-token-value-456",
    MCP_CLIENT_TOKEN_EXPIRES_AT: new Date(Date.now() + 3600_000).toISOString(),
    MCP_CLIENT_SCOPE_GRANTED: "mcp:tools",
    USER_COMMENT_KEY: "kept",
  });
  return {
    clientId: info.client_id as string,
    clientSecret: info.client_secret as string | undefined,
    registrationToken: info.registration_access_token as string,
    registrationUri: info.registration_client_uri as string,
    stateFile,
    secrets,
  };
}

function run(stateFile: string, ...args: string[]): Promise<MainResult> {
  return runMain(["--server-url", SERVER_URL, "--env-file", stateFile, ...args]);
}

// ---------------------------------------------------------------------------------------------
// --get-client-info

Deno.test("--get-client-info prints the registration with secrets hidden", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--get-client-info");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, new RegExp(`client_id: +${reg.clientId}`));
  assert.match(result.stdout, /client_name: +bridge test/);
  assert.match(result.stdout, /client_secret: +\[redacted\]/);
  assert.match(result.stdout, /redirect_uris: +http:\/\/127\.0\.0\.1:8976\/callback/);
  assert.match(result.stdout, /registration_access_token: +\[redacted\]/);
  reg.secrets.assertAbsent(result.stdout, result.stderr);
});

Deno.test("--get-client-info --json prints one JSON document", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--get-client-info", "--json");
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.ok, true);
  assert.equal(doc.result.client.client_id, reg.clientId);
  assert.equal(doc.result.client.client_secret, "[redacted]");
  assert.equal(doc.result.client.registration_access_token, "[redacted]");
  assert.deepEqual(doc.result.rotated, []);
  reg.secrets.assertAbsent(result.stdout, result.stderr);
});

Deno.test("--get-client-info without a registration is a configuration error", async () => {
  const stateFile = `${createTempDir()}/state.env`;
  await openEnvStore(stateFile).update({ MCP_CLIENT_ID: "pre-registered" });
  const result = await run(stateFile, "--get-client-info");
  assert.equal(result.code, 3);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Client "pre-registered" cannot be managed \(no RFC 7592\)/);

  const empty = await run(`${createTempDir()}/none.env`, "--get-client-info", "--json");
  assert.equal(empty.code, 3);
  assert.equal(JSON.parse(empty.stdout).error.kind, "config");
});

Deno.test("--get-client-info with a revoked registration token exits 4", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  await openEnvStore(reg.stateFile).update({ MCP_CLIENT_REGISTRATION_TOKEN: "revoked-token-x" });
  const result = await run(reg.stateFile, "--get-client-info");
  assert.equal(result.code, 4);
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /Error: Cannot read client registration: authorization server answered "invalid_token"/,
  );
  reg.secrets.add("revoked-token-x");
  reg.secrets.assertAbsent(result.stdout, result.stderr);
});

// ---------------------------------------------------------------------------------------------
// --update-client

Deno.test("--update-client sends the full metadata and saves the rotated token", async () => {
  await using server = await startOidcServer({ rotateRegistrationAccessToken: true });
  const reg = await registerAndStore(server);
  const result = await run(
    reg.stateFile,
    "--update-client",
    "client_name=Renamed client,contacts=ops@example.com|dev@example.com",
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /client_name: bridge test -> Renamed client/);
  assert.match(result.stdout, /contacts: \(unset\) -> ops@example.com, dev@example.com/);
  assert.match(result.stdout, /new registration access token; saved/);

  const stored = await server.findClient(reg.clientId);
  assert.equal(stored?.client_name, "Renamed client");
  assert.deepEqual(stored?.contacts, ["ops@example.com", "dev@example.com"]);
  // The rest of the registration survived the PUT.
  assert.deepEqual(stored?.redirect_uris, [REDIRECT]);
  assert.deepEqual(stored?.grant_types, ["authorization_code", "refresh_token"]);
  assert.equal(stored?.client_secret, reg.clientSecret);

  const values = await readEnvFile(reg.stateFile);
  const newToken = values.MCP_CLIENT_REGISTRATION_TOKEN;
  assert.ok(newToken && newToken !== reg.registrationToken, "rotated token persisted");
  assert.equal(values.MCP_CLIENT_SECRET, reg.clientSecret);
  assert.equal(values.MCP_CLIENT_ACCESS_TOKEN, "access-token-value-123");
  assert.equal(values.USER_COMMENT_KEY, "kept");
  reg.secrets.add(newToken);
  reg.secrets.assertAbsent(result.stdout, result.stderr);

  // The persisted token works for the next command; the old one is gone.
  const again = await run(reg.stateFile, "--get-client-info", "--json");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).result.client.client_name, "Renamed client");
  reg.secrets.assertAbsent(again.stdout, again.stderr);
});

Deno.test("--update-client shows only the real changes", async () => {
  await using server = await startOidcServer({ rotateRegistrationAccessToken: false });
  const reg = await registerAndStore(server);
  const result = await run(
    reg.stateFile,
    "--update-client",
    "client_name=bridge test,client_uri=https://example.com/app,bogus_field=x",
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    `Updated client "${reg.clientId}"\n` +
      "  client_uri: (unset) -> https://example.com/app\n" +
      "Already set: client_name\n" +
      "Not applied by the server: bogus_field\n",
  );
  const json = await run(reg.stateFile, "--update-client", "client_name=bridge test", "--json");
  const doc = JSON.parse(json.stdout);
  assert.deepEqual([doc.result.changed, doc.result.unchanged], [[], ["client_name"]]);
});

Deno.test("--update-client --json reports the changes; bad input is a usage error", async () => {
  await using server = await startOidcServer({ rotateRegistrationAccessToken: false });
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--update-client", "client_uri=", "--json");
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.ok, true);
  assert.deepEqual(doc.result.rotated, []);
  assert.equal(doc.result.client.client_secret, "[redacted]");

  for (const text of ["client_id=other", "nonsense", "redirect_uris=[1]"]) {
    const bad = await run(reg.stateFile, "--update-client", text);
    assert.equal(bad.code, 2, text);
    assert.equal(bad.stdout, "");
    assert.match(bad.stderr, /Error: /);
  }

  const refused = await run(reg.stateFile, "--update-client", "redirect_uris=not-a-url");
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /Cannot update client registration: authorization server answered/);
  reg.secrets.assertAbsent(result.stdout, result.stderr, refused.stdout, refused.stderr);
});

// ---------------------------------------------------------------------------------------------
// --delete-client

Deno.test("--delete-client --yes deletes at the server and forgets the client", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--delete-client", "--yes");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, new RegExp(`Deleted client "${reg.clientId}"`));
  assert.match(result.stdout, /MCP_CLIENT_ACCESS_TOKEN/);
  assert.equal(await server.findClient(reg.clientId), undefined);
  const values = await readEnvFile(reg.stateFile);
  for (
    const key of [
      "MCP_CLIENT_ID",
      "MCP_CLIENT_SECRET",
      "MCP_CLIENT_REGISTRATION_TOKEN",
      "MCP_CLIENT_REGISTRATION_URI",
      "MCP_CLIENT_ACCESS_TOKEN",
      "MCP_CLIENT_REFRESH_TOKEN",
    ]
  ) {
    assert.equal(values[key], undefined, key);
  }
  assert.equal(values.MCP_SERVER_URL, SERVER_URL);
  assert.equal(values.USER_COMMENT_KEY, "kept");
  reg.secrets.assertAbsent(result.stdout, result.stderr);
});

Deno.test("--delete-client without a terminal and without --yes refuses with exit 2", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--delete-client");
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Refusing to delete the client registration without confirmation/);
  assert.match(result.stderr, /--yes/);
  assert.ok(await server.findClient(reg.clientId), "nothing was deleted");
  assert.equal((await readEnvFile(reg.stateFile)).MCP_CLIENT_ID, reg.clientId);
});

Deno.test("--delete-client at a server that cannot delete keeps the local client", async () => {
  await using server = await startOidcServer({ managementMethods: ["GET", "PUT"] });
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--delete-client", "--yes", "--json");
  assert.equal(result.code, 5);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.ok, false);
  assert.equal(doc.error.status, 405);
  assert.equal((await readEnvFile(reg.stateFile)).MCP_CLIENT_ID, reg.clientId);
});

/** A context for running a command in this process, with a scripted terminal. */
function createContext(
  stateFile: string,
  answer: string | undefined,
  flags: Record<string, unknown> = {},
) {
  const { io, stdout, stderr, questions } = createScriptedIo([answer]);
  const settings = resolveSettings({
    flags: { "server-url": SERVER_URL, "env-file": stateFile, ...flags },
    env: {},
    stateFile,
    stateValues: {},
    cwdValues: {},
  });
  const context: ModeContext = {
    settings,
    log: silentLogger,
    io,
    fetch,
    credentials: createStaticCredentials(undefined),
    color: false,
  };
  return { context, stdout, stderr, questions };
}

Deno.test("--delete-client asks on the terminal: the client id or yes confirms", async () => {
  await using server = await startOidcServer();
  const declined = await registerAndStore(server);
  const no = createContext(declined.stateFile, "no");
  assert.equal(await runAuthCommand({ kind: "delete-client" }, no.context), 0);
  assert.match(no.questions[0], new RegExp(`Delete client "${declined.clientId}"`));
  assert.match(no.stderr.join("\n"), /Cancelled/);
  assert.ok(await server.findClient(declined.clientId));

  const closed = createContext(declined.stateFile, undefined);
  assert.equal(await runAuthCommand({ kind: "delete-client" }, closed.context), 0);
  assert.ok(await server.findClient(declined.clientId));

  const byId = createContext(declined.stateFile, declined.clientId);
  assert.equal(await runAuthCommand({ kind: "delete-client" }, byId.context), 0);
  assert.equal(await server.findClient(declined.clientId), undefined);
  assert.match(byId.stdout(), /Deleted client/);

  const other = await registerAndStore(server);
  const yes = createContext(other.stateFile, "YES");
  assert.equal(await runAuthCommand({ kind: "delete-client" }, yes.context), 0);
  assert.equal(await server.findClient(other.clientId), undefined);
  other.secrets.assertAbsent(yes.stdout(), yes.stderr.join("\n"), yes.questions.join("\n"));
});

// ---------------------------------------------------------------------------------------------
// --reset-auth

Deno.test("--reset-auth deletes the registration at the server and clears the state", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--reset-auth", "--yes");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /Deleted client ".+" at the authorization server/);
  assert.match(result.stdout, /Removed from .*state\.env: .*MCP_CLIENT_ACCESS_TOKEN/);
  assert.equal(await server.findClient(reg.clientId), undefined);
  const values = await readEnvFile(reg.stateFile);
  assert.equal(values.MCP_CLIENT_ID, undefined);
  assert.equal(values.MCP_CLIENT_REFRESH_TOKEN, undefined);
  assert.equal(values.USER_COMMENT_KEY, "kept");
  reg.secrets.assertAbsent(result.stdout, result.stderr);

  // Nothing left: still exit 0, and says so.
  const again = await run(reg.stateFile, "--reset-auth", "--json");
  assert.equal(again.code, 0, again.stderr);
  const doc = JSON.parse(again.stdout);
  assert.deepEqual(doc.result, { removed: [], serverDeletion: "none" });
});

Deno.test("--reset-auth asks like --delete-client before deleting at the server", async () => {
  await using server = await startOidcServer();
  // No terminal and no --yes: the registration stays, at the server and in the state file.
  const reg = await registerAndStore(server);
  const piped = await run(reg.stateFile, "--reset-auth");
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, "");
  assert.match(
    piped.stdout,
    /^Kept client ".+" and its registration: no terminal to confirm on \(pass --yes to delete it at the server\)$/m,
  );
  assert.ok(await server.findClient(reg.clientId), "still registered");
  const values = await readEnvFile(reg.stateFile);
  assert.equal(values.MCP_CLIENT_ID, reg.clientId);
  assert.equal(values.MCP_CLIENT_ACCESS_TOKEN, undefined, "the tokens are gone");

  // On a terminal: the same question as --delete-client; "no" keeps it, "yes" deletes it.
  const no = createContext(reg.stateFile, "no");
  assert.equal(await runAuthCommand({ kind: "reset-auth" }, no.context), 0);
  assert.match(no.questions[0], new RegExp(`^Delete client "${reg.clientId}" at .+\\?`));
  assert.match(no.stdout(), /deletion not confirmed/);
  assert.ok(await server.findClient(reg.clientId));
  const yes = createContext(reg.stateFile, "yes");
  assert.equal(await runAuthCommand({ kind: "reset-auth" }, yes.context), 0);
  assert.equal(yes.questions[0], no.questions[0], "both commands ask the same question");
  assert.equal(await server.findClient(reg.clientId), undefined);
  assert.match(yes.stdout(), /Deleted client ".+" at the authorization server/);
  reg.secrets.assertAbsent(piped.stdout, no.stdout(), yes.stdout(), ...yes.questions);
});

Deno.test("--reset-auth --keep-registration removes only the tokens", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--reset-auth", "--keep-registration");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Kept client/);
  assert.ok(await server.findClient(reg.clientId), "the registration still exists");
  const values = await readEnvFile(reg.stateFile);
  assert.equal(values.MCP_CLIENT_ID, reg.clientId);
  assert.equal(values.MCP_CLIENT_REGISTRATION_TOKEN, reg.registrationToken);
  assert.equal(values.MCP_CLIENT_ACCESS_TOKEN, undefined);
  assert.equal(values.MCP_CLIENT_REFRESH_TOKEN, undefined);
  assert.equal(values.MCP_CLIENT_TOKEN_EXPIRES_AT, undefined);
  reg.secrets.assertAbsent(result.stdout, result.stderr);
});

Deno.test("--reset-auth forgets a client the server no longer knows or cannot delete", async () => {
  await using server = await startOidcServer({ managementMethods: ["GET", "PUT"] });
  const reg = await registerAndStore(server);
  const result = await run(reg.stateFile, "--reset-auth", "--json", "-y");
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).result.serverDeletion, "unsupported");
  assert.equal((await readEnvFile(reg.stateFile)).MCP_CLIENT_ID, undefined);

  await using other = await startOidcServer();
  const gone = await registerAndStore(other);
  await other.provider.Client.adapter.destroy(gone.clientId);
  const second = await run(gone.stateFile, "--reset-auth", "--yes");
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /no longer knows this client/);
  assert.equal((await readEnvFile(gone.stateFile)).MCP_CLIENT_ID, undefined);
});

Deno.test("--reset-auth with an unreachable server warns and still clears", async () => {
  const stateFile = `${createTempDir()}/state.env`;
  await openEnvStore(stateFile).update({
    MCP_CLIENT_ID: "some-client",
    MCP_CLIENT_REGISTRATION_URI: "http://127.0.0.1:9/reg/some-client",
    MCP_CLIENT_REGISTRATION_TOKEN: "registration-token-value",
    MCP_CLIENT_ACCESS_TOKEN: "access-token-value",
  });
  const result = await run(stateFile, "--reset-auth", "--yes");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Warning: Cannot delete the client registration at the server/);
  assert.ok(!result.stderr.includes("registration-token-value"));
  assert.deepEqual(await readEnvFile(stateFile), {});
});

// ---------------------------------------------------------------------------------------------
// --test-auth and --token against an MCP server protected by the oidc-provider fixture

const USER_AGENT = new URL("../fixtures/user_agent.ts", import.meta.url).pathname;
const BROWSER = `${Deno.execPath()} run -A ${USER_AGENT}`;

/** The fixture MCP server, accepting only tokens the authorization server issued for it. */
async function startProtectedServer(as: OidcServer): Promise<McpServerFixture> {
  const holder: { server?: McpServerFixture } = {};
  const server = await startMcpServer({
    verifyToken: async (token) => {
      if (!token) return false;
      const verified = await as.verifyAccessToken(token);
      return verified?.resource?.href === holder.server?.url.href;
    },
    otherRoutes: (request) => {
      if (!new URL(request.url).pathname.startsWith("/.well-known/oauth-protected-resource")) {
        return undefined;
      }
      return Response.json({
        resource: holder.server!.url.href,
        authorization_servers: [as.issuer],
        scopes_supported: ["mcp:tools"],
      });
    },
  });
  holder.server = server;
  return server;
}

/** Runs a public client's PKCE code flow by hand and returns its tokens and registration. */
async function signInByHand(as: OidcServer, resource: string) {
  const metadata = await (await fetch(as.metadataUrl)).json();
  const client = await as.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    application_type: "native",
  });
  const verifier = crypto.randomUUID() + crypto.randomUUID();
  let next = `${metadata.authorization_endpoint}?${new URLSearchParams({
    response_type: "code",
    client_id: client.client_id as string,
    redirect_uri: REDIRECT,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: "S256",
    state: "s",
    scope: "mcp:tools",
    resource,
  })}`;
  while (!next.startsWith(REDIRECT)) {
    const response = await fetch(next, { redirect: "manual" });
    await response.body?.cancel();
    next = new URL(response.headers.get("location")!, next).href;
  }
  const response = await fetch(metadata.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: client.client_id as string,
      code: new URL(next).searchParams.get("code")!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      resource,
    }),
  });
  const tokens = await response.json();
  assert.equal(response.status, 200);
  return { client, tokens, tokenEndpoint: metadata.token_endpoint as string };
}

/** Writes the state of a finished sign-in; `expired` back-dates the access token. */
async function storeSignIn(
  as: OidcServer,
  mcp: McpServerFixture,
  options: { expired?: boolean; accessToken?: string } = {},
) {
  const { client, tokens, tokenEndpoint } = await signInByHand(as, mcp.url.href);
  const stateFile = `${createTempDir()}/state.env`;
  const secrets = new Secrets();
  secrets.add(tokens.access_token, tokens.refresh_token, client.registration_access_token);
  secrets.add(options.accessToken);
  await openEnvStore(stateFile).update({
    MCP_CLIENT_ID: client.client_id as string,
    MCP_CLIENT_REGISTRATION_TOKEN: client.registration_access_token as string,
    MCP_CLIENT_REGISTRATION_URI: client.registration_client_uri as string,
    MCP_CLIENT_ISSUER: as.issuer,
    MCP_CLIENT_TOKEN_ENDPOINT: tokenEndpoint,
    MCP_CLIENT_AUTH_METHOD: "none",
    MCP_CLIENT_REDIRECT_URI: REDIRECT,
    MCP_CLIENT_RESOURCE: mcp.url.href,
    MCP_CLIENT_ACCESS_TOKEN: options.accessToken ?? tokens.access_token,
    MCP_CLIENT_REFRESH_TOKEN: tokens.refresh_token,
    MCP_CLIENT_TOKEN_EXPIRES_AT: new Date(
      Date.now() + (options.expired ? -60_000 : 3_600_000),
    ).toISOString(),
    MCP_CLIENT_SCOPE_GRANTED: tokens.scope,
  });
  return { stateFile, secrets, tokens, clientId: client.client_id as string };
}

function runAgainst(
  mcp: McpServerFixture | URL,
  stateFile: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<MainResult> {
  const url = mcp instanceof URL ? mcp : mcp.url;
  return runMain(["--server-url", url.href, "--env-file", stateFile, ...args], {
    env: { BROWSER: "false", ...env },
  });
}

/** A loopback URL nobody listens on. */
function closedPortUrl(): URL {
  return new URL(`http://127.0.0.1:${stablePort()}/mcp`);
}

Deno.test("--test-auth: a valid token exits 0 and nothing changes", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const state = await storeSignIn(as, mcp);
  const before = await Deno.readTextFile(state.stateFile);
  const result = await runAgainst(mcp, state.stateFile, ["--test-auth"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /Access token: +present, expires /);
  assert.match(result.stdout, /Refresh token: +present/);
  assert.match(result.stdout, /Connected to "fixture-mcp-server"/);
  assert.match(result.stdout, /Access token accepted by the server/);
  assert.equal(await Deno.readTextFile(state.stateFile), before);
  state.secrets.assertAbsent(result.stdout, result.stderr);

  const json = await runAgainst(mcp, state.stateFile, ["--test-auth", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.ok, true);
  assert.equal(doc.result.accepted, true);
  assert.equal(doc.result.token.present, true);
  assert.equal(doc.result.serverInfo.name, "fixture-mcp-server");
  assert.equal(doc.result.serverInfo.era, "legacy");
  state.secrets.assertAbsent(json.stdout, json.stderr);
});

Deno.test("--test-auth: no token exits 4, a rejected token exits 4, nothing refreshed", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);

  const empty = `${createTempDir()}/state.env`;
  const none = await runAgainst(mcp, empty, ["--test-auth"]);
  assert.equal(none.code, 4, none.stderr);
  assert.match(none.stdout, /Access token: +none/);
  assert.match(
    none.stderr,
    /Error: Server requires authentication and no access token is stored/,
  );
  assert.match(none.stderr, /Hint: .*--token/);
  await assert.rejects(Deno.stat(empty), Deno.errors.NotFound, "no state file was created");

  const state = await storeSignIn(as, mcp, { accessToken: "forged-access-token", expired: true });
  const before = await Deno.readTextFile(state.stateFile);
  const rejected = await runAgainst(mcp, state.stateFile, ["--test-auth", "--json"]);
  assert.equal(rejected.code, 4, rejected.stderr);
  const doc = JSON.parse(rejected.stdout);
  assert.equal(doc.ok, false);
  assert.equal(doc.error.kind, "auth_failed");
  assert.match(doc.error.message, /Server rejected the access token \(it has expired\)/);
  assert.match(rejected.stderr, /Hint: .*--token/);
  assert.equal(await Deno.readTextFile(state.stateFile), before, "the state is unchanged");
  assert.equal(as.tokenCounts.refresh_token, undefined, "no refresh was attempted");
  state.secrets.assertAbsent(none.stdout, none.stderr, rejected.stdout, rejected.stderr);
});

Deno.test("--test-auth: an unreachable server exits 5", async () => {
  const stateFile = `${createTempDir()}/state.env`;
  await openEnvStore(stateFile).update({ MCP_CLIENT_ACCESS_TOKEN: "some-access-token-1" });
  const result = await runAgainst(closedPortUrl(), stateFile, ["--test-auth"]);
  assert.equal(result.code, 5, result.stderr);
  assert.match(result.stdout, /Cannot connect to the server/);
  assert.match(result.stderr, /Error: /);
  assert.ok(!(result.stdout + result.stderr).includes("some-access-token-1"));
});

Deno.test("--test-auth: a server without authorization accepts no token", async () => {
  await using mcp = await startMcpServer();
  const result = await runAgainst(mcp, `${createTempDir()}/state.env`, ["--test-auth"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /Server does not require authentication/);
});

Deno.test("--token: a valid stored token is tested and kept", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const state = await storeSignIn(as, mcp);
  const before = await readEnvFile(state.stateFile);
  const result = await runAgainst(mcp, state.stateFile, ["--token"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.match(result.stdout, /Client id: +\S+/);
  assert.match(result.stdout, /Client secret: +not set/);
  assert.match(result.stdout, /Management: +RFC 7592 available/);
  assert.match(result.stdout, /Access token accepted by "fixture-mcp-server"/);
  assert.equal(result.stdout.match(/Client id:/g)?.length, 1, "the status block is printed once");
  assert.deepEqual(await readEnvFile(state.stateFile), before);
  assert.equal(as.tokenCounts.refresh_token, undefined);
  state.secrets.assertAbsent(result.stdout, result.stderr);
});

Deno.test("--token: an expired token is refreshed, the rotated refresh token saved", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const state = await storeSignIn(as, mcp, { expired: true });
  const result = await runAgainst(mcp, state.stateFile, ["--token", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.ok, true);
  assert.equal(doc.result.accepted, true);
  assert.equal(doc.result.action, "refreshed");
  assert.equal(doc.result.before.token.expired, true);
  assert.equal(doc.result.after.token.expired, false);
  assert.equal(as.tokenCounts.refresh_token, 1);
  const values = await readEnvFile(state.stateFile);
  assert.notEqual(values.MCP_CLIENT_ACCESS_TOKEN, state.tokens.access_token);
  assert.notEqual(values.MCP_CLIENT_REFRESH_TOKEN, state.tokens.refresh_token, "rotated");
  state.secrets.add(values.MCP_CLIENT_ACCESS_TOKEN, values.MCP_CLIENT_REFRESH_TOKEN);
  state.secrets.assertAbsent(result.stdout, result.stderr);
});

Deno.test("--token: with nothing stored it registers and signs in through the browser", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const stateFile = `${createTempDir()}/state.env`;
  const result = await runAgainst(mcp, stateFile, ["--token"], { BROWSER });
  assert.equal(result.code, 0, result.stderr);
  // One status block (the state after the sign-in), and "Signed in" said once, on stderr.
  assert.equal(result.stdout.match(/^Authentication$/gm)?.length, 1, result.stdout);
  assert.match(result.stdout, /Access token: +present, expires/);
  assert.ok(!/Signed in/.test(result.stdout), result.stdout);
  assert.equal(result.stderr.match(/Signed in/g)?.length, 1, result.stderr);
  assert.match(result.stderr, /^Signed in to 127\.0\.0\.1:\d+$/m);
  assert.match(result.stdout, /Access token accepted by "fixture-mcp-server"/);
  const values = await readEnvFile(stateFile);
  assert.ok(
    values.MCP_CLIENT_ID && values.MCP_CLIENT_ACCESS_TOKEN && values.MCP_CLIENT_REFRESH_TOKEN,
  );
  assert.ok(await as.verifyAccessToken(values.MCP_CLIENT_ACCESS_TOKEN));
  const secrets = new Secrets();
  secrets.add(
    values.MCP_CLIENT_ACCESS_TOKEN,
    values.MCP_CLIENT_REFRESH_TOKEN,
    values.MCP_CLIENT_REGISTRATION_TOKEN,
    values.MCP_CLIENT_SECRET,
  );
  secrets.assertAbsent(result.stdout, result.stderr);

  // --reset-auth --token: the old registration is deleted at the server, a new one signs in.
  const again = await runAgainst(mcp, stateFile, ["--reset-auth", "--yes", "--token"], { BROWSER });
  assert.equal(again.code, 0, again.stderr);
  const after = await readEnvFile(stateFile);
  assert.ok(after.MCP_CLIENT_ID && after.MCP_CLIENT_ID !== values.MCP_CLIENT_ID);
  assert.equal(await as.findClient(values.MCP_CLIENT_ID), undefined);
  secrets.add(after.MCP_CLIENT_ACCESS_TOKEN, after.MCP_CLIENT_REFRESH_TOKEN);
  secrets.add(after.MCP_CLIENT_REGISTRATION_TOKEN);
  secrets.assertAbsent(again.stdout, again.stderr);
});

Deno.test("--token: a sign-in that cannot finish exits 4", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const stateFile = `${createTempDir()}/state.env`;
  const result = await runAgainst(mcp, stateFile, ["--token", "--auth-timeout", "3"]);
  assert.equal(result.code, 4, result.stderr);
  assert.match(result.stderr, /Error: /);
});

Deno.test("--token: a token the server refuses is renewed with the refresh token", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const state = await storeSignIn(as, mcp, { accessToken: "revoked-access-token" });
  const result = await runAgainst(mcp, state.stateFile, ["--token", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.result.accepted, true);
  assert.equal(doc.result.action, "renewed");
  assert.equal(as.tokenCounts.refresh_token, 1);
  const values = await readEnvFile(state.stateFile);
  assert.ok(await as.verifyAccessToken(values.MCP_CLIENT_ACCESS_TOKEN));
  state.secrets.add(values.MCP_CLIENT_ACCESS_TOKEN, values.MCP_CLIENT_REFRESH_TOKEN);
  state.secrets.assertAbsent(result.stdout, result.stderr);
});

Deno.test("--reset-auth before another mode reports on stderr only", async () => {
  await using server = await startOidcServer();
  const reg = await registerAndStore(server);
  const { context, stdout, stderr } = createContext(reg.stateFile, "yes", { json: true });
  const code = await runAuthCommand({ kind: "reset-auth" }, context, { beforeOtherMode: true });
  assert.equal(code, 0);
  assert.equal(stdout(), "", "stdout is left to the mode that follows");
  assert.match(stderr.join("\n"), /Deleted client/);
  assert.equal(await server.findClient(reg.clientId), undefined);
  reg.secrets.assertAbsent(stderr.join("\n"));
});

Deno.test("--token on a terminal: the sign-in spinner is removed once signed in", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const stateFile = `${createTempDir()}/state.env`;
  const result = await runMainInTerminal(
    ["--server-url", mcp.url.href, "--env-file", stateFile, "--token"],
    { env: { BROWSER } },
  );
  assert.equal(result.code, 0, result.terminal);
  assert.match(result.terminal, /Waiting for the sign-in to finish in the browser/);
  const screen = renderScreen(result.terminal);
  assert.ok(!screen.some((line) => line.includes("Waiting")), screen.join("\n"));
  assert.match(screen.at(-1)!, /^Signed in to 127\.0\.0\.1:\d+$/);
  assert.match(screen[0], /^Sign in to 127\.0\.0\.1:\d+ in your browser/);
  assert.match(result.stdout, /Access token accepted by "fixture-mcp-server"/);
});

Deno.test("-v logs the discovery URLs it tries", async () => {
  await using as = await startOidcServer();
  await using mcp = await startProtectedServer(as);
  const stateFile = `${createTempDir()}/state.env`;
  const result = await runAgainst(mcp, stateFile, ["--token", "-v"], { BROWSER });
  assert.equal(result.code, 0, result.stderr);
  const metadata = new URL(`/.well-known/oauth-protected-resource${mcp.url.pathname}`, mcp.url);
  assert.ok(
    result.stderr.includes(`Using protected resource metadata from ${metadata.href}`),
    result.stderr,
  );
  assert.match(
    result.stderr,
    /authorization server metadata (at|from) http:\/\/127\.0\.0\.1:\d+\//,
  );
});
