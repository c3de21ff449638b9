import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { BridgeError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import { parseClientKey } from "../../lib/oauth/client_auth.ts";
import { createOAuthManager } from "../../lib/oauth/provider.ts";
import { resolveSettings } from "../../lib/config/settings.ts";
import { keyClient, type OidcGuardedServer, startOidcGuardedServer } from "./oidc_guarded.ts";
import type { ParsedFlags } from "../../lib/cli/args.ts";
import { callServer, createCapturedIo, createSettings, findLeaks } from "./harness.ts";

function pkcs8(type: "ec" | "rsa" | "ed25519") {
  const pair = type === "ec"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ed25519");
  return {
    pem: pair.privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    publicJwk: pair.publicKey.export({ format: "jwk" }) as Record<string, unknown>,
    privateJwk: pair.privateKey.export({ format: "jwk" }) as Record<string, unknown>,
    sec1: type === "ec"
      ? pair.privateKey.export({ format: "pem", type: "sec1" }) as string
      : undefined,
  };
}

Deno.test("client keys are read from PKCS #8 PEM or a private JWK, for every key type", async () => {
  const ec = pkcs8("ec");
  assert.equal(
    ((await parseClientKey(ec.pem)).key.algorithm as EcKeyAlgorithm).namedCurve,
    "P-256",
  );
  const rsa = pkcs8("rsa");
  assert.equal((await parseClientKey(rsa.pem)).key.algorithm.name, "RSASSA-PKCS1-v1_5");
  assert.equal((await parseClientKey(rsa.pem, ["PS256"])).key.algorithm.name, "RSA-PSS");
  assert.equal((await parseClientKey(pkcs8("ed25519").pem)).key.algorithm.name, "Ed25519");
  const jwk = await parseClientKey(JSON.stringify({ ...ec.privateJwk, kid: "k1" }));
  assert.equal(jwk.kid, "k1");
  assert.ok(jwk.key.usages.includes("sign"));
  assert.equal(jwk.key.extractable, false);
});

Deno.test("unusable client keys are configuration errors that say how to fix them", async () => {
  const refused = async (text: string, pattern: RegExp) => {
    await assert.rejects(parseClientKey(text), (error: unknown) => {
      assert.ok(error instanceof BridgeError && error.kind === "config");
      assert.match(`${error.message} ${error.hint}`, pattern);
      return true;
    });
  };
  await refused(pkcs8("ec").sec1!, /openssl pkcs8 -topk8/);
  await refused(JSON.stringify(pkcs8("ec").publicJwk), /no private part/);
  await refused("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", /not an EC/);
  await refused("{not json", /not valid JSON/);
});

Deno.test("MCP_CLIENT_PRIVATE_KEY holds the key itself or names a file; --client-key wins", () => {
  const resolve = (flags: Record<string, string>, env: Record<string, string>) =>
    resolveSettings({
      flags: { "server-url": "https://mcp.example/mcp", ...flags },
      env,
      stateFile: "/nonexistent/state.env",
      stateValues: {},
      cwdValues: {},
    }).oauth.clientKey;
  const pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
  assert.deepEqual(resolve({}, { MCP_CLIENT_PRIVATE_KEY: pem }), { text: pem });
  assert.deepEqual(resolve({}, { MCP_CLIENT_PRIVATE_KEY: "/keys/k.pem" }), { file: "/keys/k.pem" });
  assert.deepEqual(
    resolve({ "client-key": "/keys/flag.pem" }, { MCP_CLIENT_PRIVATE_KEY: pem }),
    { file: "/keys/flag.pem" },
  );
  assert.deepEqual(resolve({}, {}), {});
});

/** An OAuth manager for `server` with captured output, as the program would build it. */
async function keyManager(
  server: OidcGuardedServer,
  options: { flags: ParsedFlags; env: Record<string, string>; interactive: boolean },
) {
  const settings = await createSettings({
    serverUrl: server.mcp.url.href,
    stateFile: `${server.dir}/state.env`,
    flags: options.flags,
    env: options.env,
  });
  const { io, lines } = createCapturedIo();
  const manager = createOAuthManager({
    settings,
    log: createLogger({ level: "DEBUG", sink: (line) => lines.push(line) }),
    fetch: globalThis.fetch,
    io,
    interactive: options.interactive,
  });
  return { manager, lines };
}

function startKeyServer(
  publicJwk: Record<string, unknown>,
  grantTypes: string[],
  redirectUri?: string,
) {
  return startOidcGuardedServer({ clients: [keyClient(publicJwk, grantTypes, redirectUri)] });
}

Deno.test("--client-credentials with --client-key authenticates with private_key_jwt at oidc-provider", async () => {
  const key = pkcs8("ec");
  await using server = await startKeyServer(key.publicJwk, ["client_credentials"]);
  const keyFile = `${server.dir}/client.pem`;
  await Deno.writeTextFile(keyFile, key.pem);
  const { manager, lines } = await keyManager(server, {
    flags: { "client-credentials": true, "client-key": keyFile },
    env: { MCP_CLIENT_ID: "machine" },
    interactive: false,
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  assert.deepEqual(server.oidc.tokenCounts, { client_credentials: 1 });
  const state = await Deno.readTextFile(`${server.dir}/state.env`);
  assert.doesNotMatch(state, /PRIVATE KEY/);
  assert.deepEqual(findLeaks(lines.join("\n"), [key.pem.split("\n")[1]]), []);
});

Deno.test("a client key that does not match the registered one is refused by the server", async () => {
  await using server = await startKeyServer(pkcs8("ec").publicJwk, ["client_credentials"]);
  const { manager } = await keyManager(server, {
    flags: { "client-credentials": true },
    env: { MCP_CLIENT_ID: "machine", MCP_CLIENT_PRIVATE_KEY: pkcs8("ec").pem },
    interactive: false,
  });
  await assert.rejects(callServer(manager, server.mcp.url), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.match(error.message, /invalid_client/);
    return true;
  });
});

Deno.test("a pre-registered client with a key signs in and refreshes with private_key_jwt", async () => {
  const key = pkcs8("ec");
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await using server = await startKeyServer(key.publicJwk, [
    "authorization_code",
    "refresh_token",
  ], `http://127.0.0.1:${port}/callback`);
  const { manager } = await keyManager(server, {
    flags: { "callback-port": String(port) },
    env: { MCP_CLIENT_ID: "machine", MCP_CLIENT_PRIVATE_KEY: JSON.stringify(key.privateJwk) },
    interactive: true,
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  await manager.ensureToken({ forceRefresh: true });
  assert.deepEqual(server.oidc.tokenCounts, { authorization_code: 1, refresh_token: 1 });
});

Deno.test("with a key and no client id, the client registers its public key for private_key_jwt", async () => {
  const key = pkcs8("ec");
  await using server = await startOidcGuardedServer();
  const { manager, lines } = await keyManager(server, {
    flags: {},
    env: { MCP_CLIENT_PRIVATE_KEY: key.pem },
    interactive: true,
  });
  assert.equal((await callServer(manager, server.mcp.url)).status, 200);
  await manager.ensureToken({ forceRefresh: true });
  assert.deepEqual(server.oidc.tokenCounts, { authorization_code: 1, refresh_token: 1 });
  const state = await Deno.readTextFile(`${server.dir}/state.env`);
  assert.match(state, /MCP_CLIENT_AUTH_METHOD=private_key_jwt/);
  assert.doesNotMatch(state, /MCP_CLIENT_SECRET=|PRIVATE KEY/);
  const clientId = state.match(/MCP_CLIENT_ID=(\S+)/)![1].replace(/^"|"$/g, "");
  const registered = await server.oidc.findClient(clientId);
  assert.equal(registered?.token_endpoint_auth_method, "private_key_jwt");
  const jwks = registered?.jwks as { keys: Array<Record<string, unknown>> };
  assert.deepEqual(
    { ...jwks.keys[0], kid: undefined },
    { ...key.publicJwk, alg: "ES256", use: "sig", kid: undefined },
  );
  assert.equal(jwks.keys[0].d, undefined);
  assert.deepEqual(findLeaks(lines.join("\n"), [key.pem.split("\n")[1]]), []);
});
