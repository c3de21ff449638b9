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
 * Builds the headers of one request.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#protocol-version-header
 */
export function buildRequestHeaders(options: RequestHeaderOptions): Headers {
  const headers = new Headers();
  for (const [name, value] of options.extra ?? []) headers.append(name, value);
  if (options.method === "post") {
    headers.set("Accept", "application/json, text/event-stream");
    headers.set("Content-Type", "application/json");
  } else if (options.method === "get") {
    headers.set("Accept", "text/event-stream");
  }
  if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
  if (options.sessionId !== undefined) headers.set("Mcp-Session-Id", options.sessionId);
  const version = options.protocolVersion;
  if (version !== undefined && version >= PROTOCOL_HEADER_SINCE) {
    headers.set("MCP-Protocol-Version", version);
  }
  if (options.lastEventId !== undefined) headers.set("Last-Event-ID", options.lastEventId);
  return headers;
}
