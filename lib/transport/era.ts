/**
 * Protocol eras of a server: what tells a 2024-11-05 HTTP+SSE server apart from a Streamable
 * HTTP one.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#backwards-compatibility
 */

import { BridgeError } from "../errors.ts";
import { refusedPostHint } from "./endpoint_hint.ts";

/**
 * Thrown when `initialize` is answered 400, 404 or 405: the server may speak the 2024-11-05
 * HTTP+SSE transport. `createTransport` falls back on it in auto mode.
 */
export class LegacyTransportSignal extends BridgeError {
  constructor(status: number, url: URL) {
    super("http_error", `Server refused the Streamable HTTP initialize request: HTTP ${status}`, {
      status,
      hint: refusedPostHint(url, status),
    });
    this.name = "LegacyTransportSignal";
  }
}
