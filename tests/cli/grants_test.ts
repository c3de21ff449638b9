import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { buildTokenExchangeParameters } from "../../lib/oauth/cross_app.ts";
import { keyClient, startOidcGuardedServer } from "../oauth/oidc_guarded.ts";
import { createTempDir, runMain } from "../support/main_process.ts";

function ecKey() {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    pem: pair.privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    publicJwk: pair.publicKey.export({ format: "jwk" }) as Record<string, unknown>,
  };
}

Deno.test("--token --client-credentials --client-key signs in with private_key_jwt, exit 0", async () => {
  const key = ecKey();
  await using server = await startOidcGuardedServer({
    clients: [keyClient(key.publicJwk, ["client_credentials"])],
  });
  const keyFile = `${server.dir}/client.pem`;
  await Deno.writeTextFile(keyFile, key.pem);
  const result = await runMain([
    "--server-url",
    server.mcp.url.href,
    "--token",
    "--client-credentials",
    "--client-key",
    keyFile,
  ], { env: { MCP_CLIENT_ID: "machine" } });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(server.oidc.tokenCounts, { client_credentials: 1 });
  assert.doesNotMatch(result.stdout + result.stderr, /PRIVATE KEY|BEGIN/);
});

Deno.test("--client-key naming a missing file is a configuration error, exit 3", async () => {
  await using server = await startOidcGuardedServer();
  const result = await runMain([
    "--server-url",
    server.mcp.url.href,
    "--token",
    "--client-credentials",
    "--client-key",
    `${createTempDir()}/absent.pem`,
  ], { env: { MCP_CLIENT_ID: "machine" } });
  assert.equal(result.code, 3, result.stderr);
  assert.match(
    result.stderr,
    /Cannot use the client key: cannot read ".*absent\.pem" \(NotFound\)/,
  );
});

Deno.test("cross-app flags without --idp-issuer are a usage error, exit 2", async () => {
  const result = await runMain([
    "--server-url",
    "http://127.0.0.1:9/mcp",
    "--idp-client-id",
    "bridge",
    "--list-tools",
  ]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Cross-app access needs the identity provider: --idp-issuer/);
});

Deno.test("the token exchange asks for an ID-JAG for the authorization server (SEP-990)", () => {
  assert.deepEqual(
    buildTokenExchangeParameters({
      idToken: "id.token.jwt",
      audience: "https://as.example",
      resource: "https://mcp.example/mcp",
    }),
    {
      requested_token_type: "urn:ietf:params:oauth:token-type:id-jag",
      subject_token: "id.token.jwt",
      subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
      audience: "https://as.example",
      resource: "https://mcp.example/mcp",
    },
  );
});

Deno.test("--token --device-code on a server without the device flow exits 4 and says so", async () => {
  await using server = await startOidcGuardedServer();
  const result = await runMain(["--server-url", server.mcp.url.href, "--token", "--device-code"]);
  assert.equal(result.code, 4, result.stderr);
  assert.match(
    result.stderr,
    /Cannot sign in with --device-code: the authorization server does not offer the device flow/,
  );
});
