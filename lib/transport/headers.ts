/**
 * The pure header builder for requests to an MCP endpoint: the user's extra headers, content
 * negotiation, the bearer token, and the 2025-era session headers (`Mcp-Session-Id`,
 * `MCP-Protocol-Version`, `Last-Event-ID`). It reads no state and does no I/O; the transports
 * pass in everything a request needs.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 */

/** The first protocol version that requires the `MCP-Protocol-Version` header. */
export const PROTOCOL_HEADER_SINCE = "2025-06-18";

/** What one request to the MCP endpoint carries. */
export interface RequestHeaderOptions {
  /** `post` sends a JSON-RPC body, `get` opens a stream, `delete` ends a session. */
  method: "post" | "get" | "delete";
  /** The user's extra headers (`--header`), sent first so ours override same-named ones. */
  extra?: ReadonlyArray<readonly [string, string]>;
  /** The bearer token, if any. */
  token?: string;
  /** The session id to present (2025 era). */
  sessionId?: string;
  /**
   * The protocol version to announce; sent only from 2025-06-18 on (the header did not exist
   * in 2025-03-26).
   */
  protocolVersion?: string;
  /** The event id a resumed stream continues after. */
  lastEventId?: string;
}

/**
 * The headers of one request: lower-case names to values, a plain record that `fetch` converts
 * once (a `Headers` object filled here would be converted a second time, which shows in the CPU
 * per call).
 */
export type RequestHeaders = Record<string, string>;

/**
 * Builds the headers of one request. The user's extra headers come first, same-named ones joined
 * with `, ` as `Headers.append` would; the ones the protocol sets replace any the user gave.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#protocol-version-header
 */
export function buildRequestHeaders(options: RequestHeaderOptions): RequestHeaders {
  const headers: RequestHeaders = {};
  for (const [name, value] of options.extra ?? []) {
    const key = name.toLowerCase();
    headers[key] = Object.hasOwn(headers, key) ? `${headers[key]}, ${value}` : value;
  }
  if (options.method === "post") {
    headers["accept"] = "application/json, text/event-stream";
    headers["content-type"] = "application/json";
  } else if (options.method === "get") {
    headers["accept"] = "text/event-stream";
  }
  if (options.token) headers["authorization"] = `Bearer ${options.token}`;
  if (options.sessionId !== undefined) headers["mcp-session-id"] = options.sessionId;
  const version = options.protocolVersion;
  if (version !== undefined && version >= PROTOCOL_HEADER_SINCE) {
    headers["mcp-protocol-version"] = version;
  }
  if (options.lastEventId !== undefined) headers["last-event-id"] = options.lastEventId;
  return headers;
}
