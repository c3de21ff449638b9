import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import { discover, oidcPathInsertedUrl } from "../../lib/oauth/discovery.ts";
import { createSettings } from "./harness.ts";

type Routes = Record<string, (origin: string) => unknown>;

/** A metadata host serving JSON documents at the given paths; everything else is 404. */
async function withHost(
  routes: Routes,
  fn: (origin: string, hits: string[]) => Promise<void>,
): Promise<void> {
  const hits: string[] = [];
  let origin = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    const route = routes[path];
    return route ? Response.json(route(origin)) : new Response("no", { status: 404 });
  });
  origin = `http://127.0.0.1:${server.addr.port}`;
  try {
    await fn(origin, hits);
  } finally {
    await server.shutdown();
  }
}

async function context(serverUrl: string) {
  const dir = await Deno.makeTempDir();
  const settings = await createSettings({ serverUrl, stateFile: `${dir}/s.env` });
  await Deno.remove(dir, { recursive: true });
  return { settings, fetch: globalThis.fetch, log: silentLogger };
}

const asMetadata = (issuer: string) => ({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  code_challenge_methods_supported: ["S256"],
});

Deno.test("oidcPathInsertedUrl inserts the well-known segment before the issuer path", () => {
  assert.equal(
    oidcPathInsertedUrl(new URL("https://a.example/tenant1/")).href,
    "https://a.example/.well-known/openid-configuration/tenant1",
  );
});

Deno.test("the challenge's resource_metadata URL is used and its resource checked", async () => {
  await withHost({
    "/custom/prm": (o) => ({ resource: `${o}/mcp`, authorization_servers: [o] }),
    "/.well-known/oauth-authorization-server": (o) => asMetadata(o),
  }, async (origin, hits) => {
    const found = await discover(await context(`${origin}/mcp`), new URL(`${origin}/mcp`), {
      scheme: "bearer",
      params: { resource_metadata: `${origin}/custom/prm` },
    });
    assert.equal(found.source, "prm");
    assert.equal(found.resource, `${origin}/mcp`);
    assert.equal(found.authorizationServer.token_endpoint, `${origin}/token`);
    assert.deepEqual(hits, ["/custom/prm", "/.well-known/oauth-authorization-server"]);
  });
});

Deno.test("without a challenge the path-inserted, then the root PRM URL is tried", async () => {
  await withHost({
    "/.well-known/oauth-protected-resource": (o) => ({
      resource: o,
      authorization_servers: [o],
    }),
    "/.well-known/openid-configuration": (o) => asMetadata(o),
  }, async (origin, hits) => {
    const found = await discover(
      await context(`${origin}/public/mcp`),
      new URL(`${origin}/public/mcp`),
    );
    assert.equal(found.resource, origin);
    assert.deepEqual(hits, [
      "/.well-known/oauth-protected-resource/public/mcp",
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-authorization-server",
      "/.well-known/openid-configuration",
    ]);
  });
});

Deno.test("a PRM whose resource does not match is not used", async () => {
  await withHost({
    "/.well-known/oauth-protected-resource/mcp": () => ({
      resource: "https://elsewhere.example/mcp",
      authorization_servers: ["https://elsewhere.example"],
    }),
  }, async (origin) => {
    await assert.rejects(
      discover(await context(`${origin}/mcp`), new URL(`${origin}/mcp`)),
      (e: unknown) => e instanceof BridgeError && /does not match/.test(e.message),
    );
  });
});

for (
  const [name, path] of [
    ["RFC 8414 path insertion", "/.well-known/oauth-authorization-server/tenant1"],
    ["OIDC path insertion", "/.well-known/openid-configuration/tenant1"],
    ["OIDC path append", "/tenant1/.well-known/openid-configuration"],
  ]
) {
  Deno.test(`an issuer with a path is found by ${name}`, async () => {
    await withHost({
      "/.well-known/oauth-protected-resource/mcp": (o) => ({
        resource: `${o}/mcp`,
        authorization_servers: [`${o}/tenant1`],
      }),
      [path]: (o) => asMetadata(`${o}/tenant1`),
    }, async (origin, hits) => {
      const found = await discover(await context(`${origin}/mcp`), new URL(`${origin}/mcp`));
      assert.equal(found.authorizationServer.issuer, `${origin}/tenant1`);
      assert.equal(hits.at(-1), path);
    });
  });
}

Deno.test("authorization server metadata with another issuer is refused", async () => {
  await withHost({
    "/.well-known/oauth-protected-resource/mcp": (o) => ({
      resource: `${o}/mcp`,
      authorization_servers: [o],
    }),
    "/.well-known/oauth-authorization-server": () => asMetadata("https://evil.example"),
  }, async (origin) => {
    await assert.rejects(
      discover(await context(`${origin}/mcp`), new URL(`${origin}/mcp`)),
      (e: unknown) => e instanceof BridgeError && /"issuer" does not match/.test(e.message),
    );
  });
});

Deno.test("2025-03-26 servers: metadata at the origin, else default endpoints", async () => {
  await withHost({
    "/.well-known/oauth-authorization-server": (o) => asMetadata(o),
  }, async (origin) => {
    const found = await discover(await context(`${origin}/mcp`), new URL(`${origin}/mcp`));
    assert.equal(found.source, "2025-03-26-metadata");
    assert.equal(found.resource, undefined);
  });
  await withHost({}, async (origin) => {
    const found = await discover(await context(`${origin}/mcp`), new URL(`${origin}/mcp`));
    assert.equal(found.source, "2025-03-26-defaults");
    assert.equal(found.authorizationServer.authorization_endpoint, `${origin}/authorize`);
    assert.equal(found.authorizationServer.token_endpoint, `${origin}/token`);
    assert.equal(found.authorizationServer.registration_endpoint, `${origin}/register`);
  });
});

Deno.test("plain-http metadata on a remote host is refused", async () => {
  const ctx = await context("https://mcp.example/mcp");
  await assert.rejects(
    discover(ctx, new URL("https://mcp.example/mcp"), {
      scheme: "bearer",
      params: { resource_metadata: "http://mcp.example/prm" },
    }),
    (e: unknown) => e instanceof BridgeError && /plain HTTP/.test(e.message),
  );
});
