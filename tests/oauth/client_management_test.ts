import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import {
  type ClientInformation,
  deleteClientRequest,
  formatUpdateBody,
  isUnsupportedError,
  processDeleteClientResponse,
  processReadClientResponse,
  processUpdateClientResponse,
  readClientRequest,
  updateClientRequest,
} from "../../lib/oauth/client_management.ts";
import {
  diffClientCredentials,
  mergeClientMetadata,
  parseMetadataAssignments,
} from "../../lib/oauth/client_metadata.ts";
import { pkceChallenge, startOidcServer } from "../fixtures/oidc_server.ts";

const REDIRECT = "http://127.0.0.1:8976/callback";

function registrationOf(info: Record<string, unknown>) {
  return {
    uri: info.registration_client_uri as string,
    token: info.registration_access_token as string,
    clientId: info.client_id as string,
  };
}

async function rejection(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BridgeError, `expected a BridgeError, got ${error}`);
    return error;
  }
  assert.fail("expected a rejection");
}

function assertNoSecrets(text: string, secrets: unknown[]) {
  for (const secret of secrets) {
    if (typeof secret === "string" && secret.length > 0) {
      assert.ok(!text.includes(secret), "a secret appears in the text");
    }
  }
}

Deno.test("parseMetadataAssignments splits pairs and parses arrays, JSON and removals", () => {
  assert.deepEqual(
    parseMetadataAssignments(
      'client_name=My client,contacts=a@example.com|b@example.com,redirect_uris=["http://127.0.0.1:1/cb","http://127.0.0.1:2/cb"]',
    ),
    {
      client_name: "My client",
      contacts: ["a@example.com", "b@example.com"],
      redirect_uris: ["http://127.0.0.1:1/cb", "http://127.0.0.1:2/cb"],
    },
  );
  assert.deepEqual(parseMetadataAssignments("logo_uri=,tos_uri=null"), {
    logo_uri: null,
    tos_uri: null,
  });
  assert.deepEqual(parseMetadataAssignments("client_name='a, b',scope=x y"), {
    client_name: "a, b",
    scope: "x y",
  });
  assert.deepEqual(parseMetadataAssignments("client_uri=https://x.example/?a=b"), {
    client_uri: "https://x.example/?a=b",
  });
  assert.deepEqual(parseMetadataAssignments('jwks={"keys":[]}'), { jwks: { keys: [] } });
  assert.deepEqual(parseMetadataAssignments("grant_types=authorization_code"), {
    grant_types: ["authorization_code"],
  });
});

Deno.test("parseMetadataAssignments rejects bad input with usage errors", () => {
  for (
    const text of [
      "",
      "client_name",
      "=x",
      "client_id=abc",
      "client_secret=abc",
      "registration_access_token=x",
      "redirect_uris=[1,2]",
      "contacts=[oops",
    ]
  ) {
    assert.throws(
      () => parseMetadataAssignments(text),
      (error) => error instanceof BridgeError && error.kind === "usage",
      text,
    );
  }
});

Deno.test("mergeClientMetadata keeps the current types and removes null fields", () => {
  const current: ClientInformation = {
    client_id: "c",
    client_name: "old",
    default_max_age: 10,
    require_auth_time: false,
    contacts: ["x@example.com"],
    logo_uri: "https://x.example/logo.png",
  };
  const merged = mergeClientMetadata(
    current,
    parseMetadataAssignments(
      "client_name=new,default_max_age=20,require_auth_time=true,contacts=a|b,logo_uri=",
    ),
  );
  assert.deepEqual(merged, {
    client_id: "c",
    client_name: "new",
    default_max_age: 20,
    require_auth_time: true,
    contacts: ["a", "b"],
  });
  assert.equal(current.client_name, "old");
});

Deno.test("formatUpdateBody sends everything but the forbidden fields", () => {
  const body = formatUpdateBody({
    client_id: "c",
    client_secret: "s3cr3t-value",
    client_secret_expires_at: 0,
    client_id_issued_at: 1,
    registration_access_token: "rat",
    registration_client_uri: "https://as.example/reg/c",
    redirect_uris: [REDIRECT],
    client_name: "n",
  });
  assert.deepEqual(body, {
    client_id: "c",
    client_secret: "s3cr3t-value",
    redirect_uris: [REDIRECT],
    client_name: "n",
  });
  assert.throws(() => formatUpdateBody({ client_id: "" }), BridgeError);
});

Deno.test("diffClientCredentials reports only what rotated", () => {
  const stored = { clientSecret: "a", registrationAccessToken: "b", registrationClientUri: "u" };
  assert.deepEqual(
    diffClientCredentials(stored, {
      client_id: "c",
      client_secret: "a",
      registration_access_token: "b",
      registration_client_uri: "u",
    }),
    {},
  );
  assert.deepEqual(
    diffClientCredentials(stored, {
      client_id: "c",
      client_secret: "a2",
      registration_access_token: "b2",
    }),
    { clientSecret: "a2", registrationAccessToken: "b2" },
  );
});

Deno.test("request functions refuse plain HTTP to a remote host before sending", async () => {
  const error = await rejection(readClientRequest("http://as.example/reg/c", "token-value"));
  assert.equal(error.kind, "config");
  assert.ok(!error.message.includes("token-value"));
  // --allow-http lifts it: the request is then attempted (and fails to connect).
  const refused = await rejection(
    readClientRequest("http://127.0.0.1:1/reg/c", "token-value", { allowHttp: true }),
  );
  assert.equal(refused.kind, "unreachable");
  assert.equal((await rejection(readClientRequest("not a url", "t"))).kind, "config");
  assert.equal(
    (await rejection(readClientRequest("https://as.example/reg/c", ""))).kind,
    "auth_required",
  );
});

Deno.test("RFC 7592 read returns the registration with its credentials", async () => {
  await using server = await startOidcServer();
  const registered = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["authorization_code", "refresh_token"],
    application_type: "native",
    client_name: "reader",
  });
  const { uri, token, clientId } = registrationOf(registered);
  const info = await processReadClientResponse(await readClientRequest(uri, token), { clientId });
  assert.equal(info.client_id, clientId);
  assert.equal(info.client_name, "reader");
  assert.equal(info.client_secret, registered.client_secret);
  assert.equal(info.registration_access_token, token);
  assert.deepEqual(info.redirect_uris, [REDIRECT]);

  // A different expected client id is a protocol error (client_id must never change).
  const mismatch = await rejection(
    readClientRequest(uri, token).then((r) => processReadClientResponse(r, { clientId: "x" })),
  );
  assert.equal(mismatch.kind, "protocol");

  // A wrong token: 401 invalid_token, reported without the token.
  const bad = await rejection(
    readClientRequest(uri, "wrong-token-value").then((r) =>
      processReadClientResponse(r, { clientId })
    ),
  );
  assert.equal(bad.kind, "auth_failed");
  assert.equal(bad.status, 401);
  assert.equal(bad.details?.oauthError, "invalid_token");
  assert.match(bad.message, /^Cannot read client registration: authorization server answered/);
  assertNoSecrets(bad.message + bad.hint, [token, registered.client_secret, "wrong-token-value"]);
});

Deno.test("RFC 7592 update sends the full metadata and rotates the registration token", async () => {
  await using server = await startOidcServer({ rotateRegistrationAccessToken: true });
  const registered = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "client_secret_post",
    grant_types: ["authorization_code", "refresh_token"],
    application_type: "native",
    client_name: "before",
    contacts: ["old@example.com"],
  });
  const { uri, token, clientId } = registrationOf(registered);
  const current = await processReadClientResponse(await readClientRequest(uri, token), {
    clientId,
  });
  const desired = mergeClientMetadata(
    current,
    parseMetadataAssignments("client_name=after,contacts=a@example.com|b@example.com"),
  );
  const updated = await processUpdateClientResponse(
    await updateClientRequest(uri, token, desired),
    { clientId },
  );
  assert.equal(updated.client_name, "after");
  assert.deepEqual(updated.contacts, ["a@example.com", "b@example.com"]);
  // Everything else survived the replace.
  assert.deepEqual(updated.redirect_uris, [REDIRECT]);
  assert.deepEqual(updated.grant_types, ["authorization_code", "refresh_token"]);
  assert.equal(updated.token_endpoint_auth_method, "client_secret_post");
  assert.equal(updated.client_secret, registered.client_secret);

  const rotated = diffClientCredentials({
    clientSecret: registered.client_secret as string,
    registrationAccessToken: token,
    registrationClientUri: uri,
  }, updated);
  assert.ok(rotated.registrationAccessToken, "the registration access token rotated");
  assert.notEqual(rotated.registrationAccessToken, token);
  assert.equal(rotated.clientSecret, undefined);

  // The old token is discarded by the server; the new one works.
  const stale = await rejection(
    readClientRequest(uri, token).then((r) => processReadClientResponse(r, { clientId })),
  );
  assert.equal(stale.kind, "auth_failed");
  const again = await processReadClientResponse(
    await readClientRequest(uri, rotated.registrationAccessToken!),
    { clientId },
  );
  assert.equal(again.client_name, "after");
  const stored = await server.findClient(clientId);
  assert.equal(stored?.client_name, "after");
});

Deno.test("RFC 7592 update without rotation keeps the token; bad metadata is a server error", async () => {
  await using server = await startOidcServer({ rotateRegistrationAccessToken: false });
  const registered = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    application_type: "native",
  });
  const { uri, token, clientId } = registrationOf(registered);
  const current = await processReadClientResponse(await readClientRequest(uri, token), {
    clientId,
  });
  const updated = await processUpdateClientResponse(
    await updateClientRequest(uri, token, mergeClientMetadata(current, { client_name: "x" })),
    { clientId },
  );
  assert.equal(updated.registration_access_token, token);
  assert.deepEqual(diffClientCredentials({ registrationAccessToken: token }, updated), {
    registrationClientUri: uri,
  });

  const invalid = await rejection(
    updateClientRequest(
      uri,
      token,
      mergeClientMetadata(current, { redirect_uris: ["not a uri"] }),
    ).then((r) => processUpdateClientResponse(r, { clientId })),
  );
  assert.equal(invalid.kind, "server_error");
  assert.equal(invalid.status, 400);
  assert.match(invalid.details?.oauthError as string, /^invalid_/);
});

Deno.test("RFC 7592 delete removes the client; later calls are unauthorized", async () => {
  await using server = await startOidcServer();
  const registered = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    application_type: "native",
  });
  const { uri, token, clientId } = registrationOf(registered);
  await processDeleteClientResponse(await deleteClientRequest(uri, token));
  assert.equal(await server.findClient(clientId), undefined);
  const after = await rejection(
    deleteClientRequest(uri, token).then((r) => processDeleteClientResponse(r)),
  );
  assert.equal(after.kind, "auth_failed");
  assert.equal(after.status, 401);
  assert.ok(!isUnsupportedError(after));
});

Deno.test("RFC 7592 delete on a server without it is reported as unsupported", async () => {
  await using server = await startOidcServer({ managementMethods: ["GET", "PUT"] });
  const registered = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    application_type: "native",
  });
  const { uri, token, clientId } = registrationOf(registered);
  const error = await rejection(
    deleteClientRequest(uri, token).then((r) => processDeleteClientResponse(r)),
  );
  assert.equal(error.status, 405);
  assert.ok(isUnsupportedError(error));
  assert.ok(await server.findClient(clientId), "the client still exists");

  await using plain = await startOidcServer({ registrationManagement: false });
  const other = registrationOf(
    await plain.registerClient({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "none",
      application_type: "native",
    }),
  );
  const missing = await rejection(
    deleteClientRequest(other.uri, other.token).then((r) => processDeleteClientResponse(r)),
  );
  assert.ok(isUnsupportedError(missing));
});

// ---------------------------------------------------------------------------------------------
// The oidc-provider fixture itself: what other tests rely on.

/** Follows redirects by hand (like a browser without a cookie jar) until `prefix` is reached. */
async function followToCallback(start: string, prefix: string): Promise<URL> {
  let next = start;
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(prefix)) return new URL(next);
    const response = await fetch(next, { redirect: "manual" });
    await response.body?.cancel();
    const location = response.headers.get("location");
    assert.ok(location, `hop ${hop} answered ${response.status} without a redirect`);
    next = new URL(location, next).href;
  }
  assert.fail("too many redirects");
}

Deno.test("oidc fixture: PKCE code flow approves itself, refresh tokens rotate", async () => {
  await using server = await startOidcServer();
  const metadata = await (await fetch(server.metadataUrl)).json();
  assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
  assert.equal(metadata.registration_endpoint, server.registrationEndpoint);
  const client = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    application_type: "native",
  });
  const resource = "http://127.0.0.1:9/mcp";
  const verifier = crypto.randomUUID() + crypto.randomUUID();
  const authorize = new URL(metadata.authorization_endpoint);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id as string,
    redirect_uri: REDIRECT,
    code_challenge: pkceChallenge(verifier),
    code_challenge_method: "S256",
    state: "state-1",
    scope: "mcp:tools",
    resource,
  }).toString();
  const callback = await followToCallback(authorize.href, REDIRECT);
  assert.equal(callback.searchParams.get("state"), "state-1");
  assert.equal(callback.searchParams.get("iss"), server.issuer);
  const token = async (params: Record<string, string>) => {
    const response = await fetch(metadata.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: client.client_id as string, resource, ...params }),
    });
    return { status: response.status, body: await response.json() };
  };
  const first = await token({
    grant_type: "authorization_code",
    code: callback.searchParams.get("code")!,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  assert.equal(first.status, 200);
  assert.equal(first.body.scope, "mcp:tools");
  assert.ok(first.body.refresh_token);
  const verified = await server.verifyAccessToken(first.body.access_token);
  assert.equal(verified?.clientId, client.client_id);
  assert.equal(verified?.resource?.href, resource);
  assert.deepEqual(verified?.scopes, ["mcp:tools"]);

  const second = await token({
    grant_type: "refresh_token",
    refresh_token: first.body.refresh_token,
  });
  assert.equal(second.status, 200);
  assert.notEqual(second.body.refresh_token, first.body.refresh_token, "rotated");
  const reused = await token({
    grant_type: "refresh_token",
    refresh_token: first.body.refresh_token,
  });
  assert.equal(reused.status, 400);
  assert.equal(reused.body.error, "invalid_grant");
  assert.equal(server.tokenCounts.authorization_code, 1);
  assert.equal(server.tokenCounts.refresh_token, 1);
  assert.equal(await server.verifyAccessToken("not-a-token"), undefined);
});

Deno.test("oidc fixture: PKCE is required and client credentials are issued", async () => {
  await using server = await startOidcServer();
  const metadata = await (await fetch(server.metadataUrl)).json();
  const publicClient = await server.registerClient({
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
    application_type: "native",
  });
  const noPkce = new URL(metadata.authorization_endpoint);
  noPkce.search = new URLSearchParams({
    response_type: "code",
    client_id: publicClient.client_id as string,
    redirect_uri: REDIRECT,
    scope: "mcp:tools",
  }).toString();
  const refused = await followToCallback(noPkce.href, REDIRECT);
  assert.equal(refused.searchParams.get("error"), "invalid_request");

  const machine = await server.registerClient({
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
  });
  const basic = btoa(`${machine.client_id}:${machine.client_secret}`);
  const response = await fetch(metadata.token_endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${basic}`,
    },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      scope: "mcp:tools",
      resource: "http://127.0.0.1:9/mcp",
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body.error));
  const verified = await server.verifyAccessToken(body.access_token);
  assert.equal(verified?.extra.grantType, "client_credentials");
  assert.equal(verified?.clientId, machine.client_id);
});
