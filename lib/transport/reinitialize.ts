/**
 * Re-creating a 2025-era session the server forgot: the client's original `initialize` sent
 * again under a bridge-owned id (its answer is kept, never relayed), the negotiated version and
 * capabilities checked against what the client was told, then `notifications/initialized`. Sending is the
 * session's job, passed in; every failure becomes `session_lost` (auth failures stay as they
 * are, so a sign-in problem is reported as one).
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 */

import { BridgeError } from "../errors.ts";
import {
  createBridgeId,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from "../jsonrpc/message.ts";
import { redactedMessage } from "../log.ts";
import type { InboundRouter, PendingRequest } from "./inbound.ts";
import { checkReinitialized } from "./reinitialize_check.ts";

/** What {@link recreateSession} needs. */
export interface RecreateOptions {
  /** The params of the client's first `initialize`. */
  initializeParams: Record<string, unknown> | undefined;
  /** The version the client was told, if any. */
  protocolVersion: string | undefined;
  /** The `initialize` result the client received, if any (version and capabilities). */
  firstResult?: unknown;
  router: InboundRouter;
  signal: AbortSignal;
  /** POSTs a body; `pending` is set for the request and unset for the notification. */
  send(body: string, pending: PendingRequest | undefined): Promise<void>;
}

/** Runs the handshake again for a forgotten session. */
export async function recreateSession(options: RecreateOptions): Promise<void> {
  if (options.initializeParams === undefined) {
    throw new BridgeError(
      "session_lost",
      "Server forgot the session and no initialize request is known to re-create it",
      { status: 404 },
    );
  }
  const id = createBridgeId("reinitialize");
  const initialize: JsonRpcRequest = {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: options.initializeParams,
  };
  const pending = options.router.track(id, { internal: true, isInitialize: true });
  try {
    await options.send(JSON.stringify(initialize), pending);
    const response = pending.response;
    if (!response || !("result" in response)) {
      throw new BridgeError("session_lost", "Server refused to re-initialize the session");
    }
    const first = options.firstResult ?? { protocolVersion: options.protocolVersion };
    const misfit = checkReinitialized(first, response.result);
    if (misfit) throw misfit;
    const initialized: JsonRpcNotification = {
      jsonrpc: "2.0",
      method: "notifications/initialized",
    };
    await options.send(JSON.stringify(initialized), undefined);
  } catch (error) {
    options.router.abandon(pending, error);
    if (options.signal.aborted) throw options.signal.reason;
    if (error instanceof BridgeError && error.kind.startsWith("auth")) throw error;
    if (error instanceof BridgeError && error.kind === "session_lost") throw error;
    throw new BridgeError(
      "session_lost",
      `Cannot re-create the session: ${redactedMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}
