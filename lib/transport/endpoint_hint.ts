/**
 * What to tell someone whose server URL has no MCP endpoint: which requests were tried and what
 * they were answered, and that MCP endpoints usually end in `/mcp`. Pure.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#backwards-compatibility
 */

import { BridgeError } from "../errors.ts";

/** One request made while looking for the endpoint. */
export interface EndpointAttempt {
  /** `POST` (Streamable HTTP initialize) or `SSE GET` (HTTP+SSE stream). */
  request: string;
  status: number;
}

/** The hint for a URL that answered 404: the `/mcp` path, or a check of the path. */
export function endpointPathHint(url: URL): string {
  const path = url.pathname.replace(/\/+$/, "");
  if (/\/(mcp|sse)$/i.test(path)) {
    return `Check the path of the server URL: "${url.pathname}" is not an MCP endpoint there`;
  }
  return `MCP endpoints usually end in /mcp: try "${url.origin}${path}/mcp${url.search}"`;
}

/** The hint when the Streamable HTTP initialize POST was refused with `status`. */
export function refusedPostHint(url: URL, status: number): string {
  return status === 404
    ? endpointPathHint(url)
    : "The server may only speak the older HTTP+SSE transport; try --transport sse";
}

/** The error when neither transport found an endpoint at `url`. */
export function noEndpointError(url: URL, attempts: readonly EndpointAttempt[]): BridgeError {
  const tried = attempts.map((attempt) => `${attempt.request} answered HTTP ${attempt.status}`);
  const notFound = attempts.some((attempt) => attempt.status === 404);
  return new BridgeError("http_error", `No MCP endpoint at "${url.href}": ${tried.join(", ")}`, {
    status: attempts.at(-1)?.status,
    hint: notFound
      ? endpointPathHint(url)
      : "The server answered neither Streamable HTTP nor HTTP+SSE; check the server URL",
    details: { attempts: attempts.map((attempt) => ({ ...attempt })) },
  });
}
