/**
 * The MCP server fixture guarded by oidc-provider: tokens are checked with the provider, the
 * protected resource metadata names it as the authorization server. For the grants that only a
 * standards-grade server offers (private_key_jwt, the device flow). Test code only.
 *
 * @module
 */

import { type McpServerFixture, startMcpServer } from "../fixtures/mcp_server.ts";
import {
  type OidcServer,
  type OidcServerOptions,
  startOidcServer,
} from "../fixtures/oidc_server.ts";

/** oidc-provider in front of the MCP fixture, torn down together. */
export interface OidcGuardedServer extends AsyncDisposable {
  oidc: OidcServer;
  mcp: McpServerFixture;
  /** A fresh directory for state and key files. */
  dir: string;
}

/** Starts both; the resource metadata lists `mcp:tools` so sign-ins ask for a scope. */
export async function startOidcGuardedServer(
  options: OidcServerOptions = {},
): Promise<OidcGuardedServer> {
  const oidc = await startOidcServer(options);
  const mcp = await startMcpServer({
    responseMode: "json",
    verifyToken: async (token) => token ? Boolean(await oidc.verifyAccessToken(token)) : false,
    otherRoutes: (request) =>
      new URL(request.url).pathname === "/.well-known/oauth-protected-resource/mcp"
        ? Response.json({
          resource: new URL("/mcp", request.url).href,
          authorization_servers: [oidc.issuer],
          scopes_supported: ["mcp:tools"],
        })
        : undefined,
  });
  const dir = await Deno.makeTempDir({ prefix: "mcp-shc-oidc-" });
  return {
    oidc,
    mcp,
    dir,
    async [Symbol.asyncDispose]() {
      await mcp.close();
      await oidc.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** oidc-provider metadata of a pre-registered `private_key_jwt` client with this public key. */
export function keyClient(
  publicJwk: Record<string, unknown>,
  grantTypes: string[],
  redirectUri?: string,
): Record<string, unknown> {
  return {
    client_id: "machine",
    application_type: "native",
    token_endpoint_auth_method: "private_key_jwt",
    token_endpoint_auth_signing_alg: "ES256",
    jwks: { keys: [{ ...publicJwk, use: "sig", alg: "ES256" }] },
    grant_types: grantTypes,
    response_types: redirectUri ? ["code"] : [],
    redirect_uris: redirectUri ? [redirectUri] : [],
  };
}
