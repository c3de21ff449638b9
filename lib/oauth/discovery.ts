/**
 * Finding the authorization server of an MCP server: RFC 9728 protected resource metadata (the
 * `resource_metadata` URL of the challenge, else the path-inserted, then the root well-known
 * URL, each checked for the exact `resource`), then RFC 8414 / OIDC metadata of the first usable
 * authorization server (oauth path insertion, OIDC path insertion, OIDC path append, with issuer
 * equality), else the 2025-03-26 fallbacks at the server's origin. Requests and checks go through
 * oauth4webapi; only the URLs it cannot build are fetched by hand, with the same rules
 * (`redirect: "manual"`, https unless loopback or --allow-http). Loaded on demand only.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728
 * @see https://www.rfc-editor.org/rfc/rfc8414
 * @module
 */

import * as oauth from "oauth4webapi";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { allowsPlainHttp } from "../net.ts";
import type { AuthChallenge } from "../transport/types.ts";
import { toOAuthBridgeError } from "./oauth_errors.ts";
import type { DiscoveryResult, RequestContext } from "./types.ts";
import { discard } from "../transport/discard.ts";

/** The options every oauth4webapi request gets. */
export interface RequestOptions {
  [oauth.customFetch]: (url: string, init: RequestInit) => Promise<Response>;
  [oauth.allowInsecureRequests]: boolean;
  signal: () => AbortSignal;
}

/** Options for an oauth4webapi call to `url`: custom fetch, timeout, and http only where allowed. */
export function requestOptions(
  context: RequestContext,
  url: URL | string | undefined,
): RequestOptions {
  const target = typeof url === "string" ? new URL(url) : url;
  const timeout = context.settings.timeoutMs || DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    [oauth.customFetch]: context.fetch,
    [oauth.allowInsecureRequests]: target !== undefined && allowsInsecure(context, target),
    signal: () => requestSignal(context, timeout),
  };
}

/** The request timeout, combined with the caller's signal (Ctrl-C) when there is one. */
function requestSignal(context: RequestContext, timeout: number): AbortSignal {
  const signal = AbortSignal.timeout(timeout);
  return context.signal ? AbortSignal.any([context.signal, signal]) : signal;
}

function allowsInsecure(context: RequestContext, url: URL): boolean {
  return url.protocol === "http:" && allowsPlainHttp(url, context.settings.allowHttp);
}

/** A GET of a metadata URL oauth4webapi cannot build, with the same rules it applies. */
async function fetchMetadata(context: RequestContext, url: URL): Promise<Response> {
  if (url.protocol !== "https:" && !allowsInsecure(context, url)) {
    throw new BridgeError("auth_failed", `Cannot fetch OAuth metadata over plain HTTP: "${url}"`, {
      hint: "Use https://, or pass --allow-http",
    });
  }
  const timeout = context.settings.timeoutMs || DEFAULT_REQUEST_TIMEOUT_MS;
  return await context.fetch(url, {
    headers: { accept: "application/json" },
    redirect: "manual",
    signal: requestSignal(context, timeout),
  });
}

function isComparisonFailure(error: unknown): boolean {
  return error instanceof oauth.OperationProcessingError &&
    error.code === oauth.JSON_ATTRIBUTE_COMPARISON;
}

/** The URL of the OIDC variant with the well-known segment inserted before the issuer's path. */
export function oidcPathInsertedUrl(issuer: URL): URL {
  const path = issuer.pathname.replace(/\/+$/, "");
  return new URL(`${issuer.origin}/.well-known/openid-configuration${path}`);
}

interface ResourceAttempt {
  label: string;
  expected: URL;
  send: () => Promise<Response>;
}

/** Fetches and validates protected resource metadata; undefined when none exists. */
export async function discoverProtectedResource(
  context: RequestContext,
  serverUrl: URL,
  challenge: AuthChallenge | undefined,
): Promise<oauth.ResourceServer | undefined> {
  const attempts: ResourceAttempt[] = [];
  const fromHeader = challenge?.params.resource_metadata;
  if (fromHeader) {
    try {
      const url = new URL(fromHeader);
      attempts.push({
        label: "challenge",
        expected: serverUrl,
        send: () => fetchMetadata(context, url),
      });
    } catch {
      context.log.warn(`Ignoring an invalid resource_metadata URL in the server's challenge`);
    }
  }
  if (serverUrl.pathname !== "/" && serverUrl.pathname !== "") {
    attempts.push({
      label: "path-inserted",
      expected: serverUrl,
      send: () => oauth.resourceDiscoveryRequest(serverUrl, requestOptions(context, serverUrl)),
    });
  }
  const origin = new URL(serverUrl.origin);
  attempts.push({
    label: "root",
    expected: origin,
    send: () => oauth.resourceDiscoveryRequest(origin, requestOptions(context, origin)),
  });

  for (const attempt of attempts) {
    let response: Response;
    try {
      response = await attempt.send();
    } catch (error) {
      if (error instanceof BridgeError) throw error;
      throw toOAuthBridgeError(error, "discover the authorization server");
    }
    if (response.status !== 200) {
      context.log.debug(
        `No protected resource metadata at ${response.url} (${attempt.label}): HTTP ${response.status}`,
      );
      await discard(response);
      continue;
    }
    try {
      const metadata = await oauth.processResourceDiscoveryResponse(attempt.expected, response);
      context.log.debug(`Using protected resource metadata from ${response.url}`);
      return metadata;
    } catch (error) {
      if (isComparisonFailure(error)) {
        throw new BridgeError(
          "auth_failed",
          `Cannot use protected resource metadata: its "resource" does not match "${attempt.expected.href}"`,
          { hint: "The server's OAuth metadata is misconfigured; contact its operator" },
        );
      }
      context.log.debug(`Unusable protected resource metadata at ${response.url}`);
    }
  }
  return undefined;
}

/** Fetches RFC 8414 / OIDC metadata for `issuer`, trying the URL variants in the MCP order. */
export async function discoverAuthorizationServer(
  context: RequestContext,
  issuer: URL,
): Promise<oauth.AuthorizationServer> {
  const hasPath = issuer.pathname !== "/" && issuer.pathname !== "";
  const attempts: Array<[string, () => Promise<Response>]> = [
    ["oauth", () =>
      oauth.discoveryRequest(issuer, {
        ...requestOptions(context, issuer),
        algorithm: "oauth2",
      })],
  ];
  if (hasPath) {
    attempts.push([
      "oidc path-inserted",
      () => fetchMetadata(context, oidcPathInsertedUrl(issuer)),
    ]);
  }
  attempts.push(["oidc", () =>
    oauth.discoveryRequest(issuer, {
      ...requestOptions(context, issuer),
      algorithm: "oidc",
    })]);

  let mismatch = false;
  for (const [label, send] of attempts) {
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      throw toOAuthBridgeError(error, "discover the authorization server");
    }
    if (response.status !== 200) {
      context.log.debug(
        `No authorization server metadata at ${response.url} (${label}): HTTP ${response.status}`,
      );
      await discard(response);
      continue;
    }
    try {
      const metadata = await oauth.processDiscoveryResponse(issuer, response);
      context.log.debug(`Using authorization server metadata from ${response.url}`);
      return metadata;
    } catch (error) {
      if (isComparisonFailure(error)) mismatch = true;
      context.log.debug(`Unusable authorization server metadata at ${response.url}`);
    }
  }
  throw new BridgeError(
    "auth_failed",
    mismatch
      ? `Cannot use authorization server metadata: its "issuer" does not match "${issuer.href}"`
      : `Cannot find authorization server metadata: "${issuer.href}"`,
    { hint: "The server's OAuth metadata is missing or misconfigured; contact its operator" },
  );
}

/** The 2025-03-26 fallback: metadata at the server's origin, else the default endpoints. */
async function discoverLegacy(
  context: RequestContext,
  serverUrl: URL,
): Promise<DiscoveryResult> {
  const origin = new URL(serverUrl.origin);
  let response: Response;
  try {
    response = await oauth.discoveryRequest(origin, {
      ...requestOptions(context, origin),
      algorithm: "oauth2",
      headers: new Headers({ "mcp-protocol-version": "2025-03-26" }),
    });
  } catch (error) {
    throw toOAuthBridgeError(error, "discover the authorization server");
  }
  if (response.status === 200) {
    try {
      // 2025-03-26 servers publish the metadata at their own origin for an authorization server
      // that may live elsewhere; that revision does not tie the issuer to the URL, so the
      // document's own issuer is the one checked against.
      const issuer = await statedIssuer(response.clone());
      const authorizationServer = await oauth.processDiscoveryResponse(issuer ?? origin, response);
      return { authorizationServer, source: "2025-03-26-metadata" };
    } catch (error) {
      throw toOAuthBridgeError(error, "discover the authorization server");
    }
  }
  await discard(response);
  const base = serverUrl.origin;
  context.log.debug("No OAuth metadata found; using the 2025-03-26 default endpoints");
  return {
    authorizationServer: {
      issuer: origin.href,
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      registration_endpoint: `${base}/register`,
      // 2025-03-26 made PKCE mandatory for every server.
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
    },
    source: "2025-03-26-defaults",
  };
}

/** Runs the whole discovery for `serverUrl`. */
export async function discover(
  context: RequestContext,
  serverUrl: URL,
  challenge?: AuthChallenge,
): Promise<DiscoveryResult> {
  const prm = await discoverProtectedResource(context, serverUrl, challenge);
  if (!prm) return await discoverLegacy(context, serverUrl);
  const servers = Array.isArray(prm.authorization_servers) ? prm.authorization_servers : [];
  if (servers.length === 0) {
    throw new BridgeError(
      "auth_failed",
      "Cannot sign in: protected resource metadata names no authorization server",
      { hint: "The server's OAuth metadata is misconfigured; contact its operator" },
    );
  }
  let lastError: unknown;
  for (const text of servers) {
    let issuer: URL;
    try {
      issuer = new URL(text);
    } catch {
      continue;
    }
    try {
      const authorizationServer = await discoverAuthorizationServer(context, issuer);
      return {
        resource: prm.resource,
        resourceMetadata: { ...prm },
        authorizationServer,
        source: "prm",
      };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof BridgeError ? lastError : new BridgeError(
    "auth_failed",
    "Cannot sign in: no usable authorization server in the protected resource metadata",
  );
}

/** The `issuer` a metadata document states, when it states a valid URL. */
async function statedIssuer(response: Response): Promise<URL | undefined> {
  try {
    const body = await response.json();
    return typeof body?.issuer === "string" ? new URL(body.issuer) : undefined;
  } catch {
    return undefined;
  }
}
