/**
 * The contracts between the bridge (or a CLI mode) and a transport, and between a transport and
 * whoever supplies credentials. A transport owns HTTP; it reports every message the server sends
 * through `onMessage` and never writes anywhere itself. Types only.
 *
 * What the layers above see of protocol eras:
 * - Which era the server speaks: `createEraDetector(...).detect()` in `era.ts` resolves to
 *   `"modern"` (2026-07-28), `"dual"` (both) or `"legacy"` (2025-11-25 and older), from
 *   `--protocol`, the verdict remembered in the state file, or one `server/discover` probe;
 *   `invalidate()` drops a verdict that stopped working.
 * - The 2026-07-28 transport: `createStatelessTransport` in `stateless.ts` is a
 *   {@link Transport}. `send(request)` POSTs it with the headers derived from its body and
 *   resolves once its response went to `onMessage`; the request's notifications (progress,
 *   logging, listen notifications) reach `onMessage` before it, as they arrive. The server's
 *   JSON-RPC errors arrive as responses whatever the HTTP status; `send` rejects only when no
 *   response can come (BridgeError, or the signal's reason when aborted, which also closes the
 *   request's stream: the cancellation of this era). `subscriptions/listen` stays pending for
 *   the stream's life. The caller supplies `_meta`; the transport never adds or removes any.
 * - The 2025 era: `createTransport` in `connect.ts` (session, or HTTP+SSE).
 *
 * @module
 */

import type { JsonRpcId, JsonRpcMessage } from "../jsonrpc/message.ts";
import type { Logger } from "../log.ts";

/**
 * Receives each message from the server, with its original text when it had one. A returned
 * promise is backpressure: the transport reads nothing more from that stream until it settles.
 */
/**
 * Where a server message arrived, when the transport knows: on the response stream of the
 * request with id `requestId` (a server→client request there belongs to that request). Used by
 * the era translation (`lib/eras/to_legacy_server.ts`); absent for the GET stream.
 */
export interface MessageOrigin {
  requestId: JsonRpcId;
}

/** Receives each message from the server, with its original text and origin when known. */
export type MessageHandler = (
  message: JsonRpcMessage,
  raw?: string,
  origin?: MessageOrigin,
) => void | Promise<void>;

/** One parsed challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** Auth scheme, lower-cased, e.g. `bearer`. */
  scheme: string;
  /** Parameters with lower-cased names, e.g. `resource_metadata`, `scope`, `error`. */
  params: Record<string, string>;
}

/** What the server said when it refused a request for lack of authorization. */
export interface AuthRefusal {
  /** 401 or 403. */
  status: 401 | 403;
  /** The Bearer challenge, when the server sent one. */
  challenge?: AuthChallenge;
  /** The token the refused request carried, if any. */
  rejectedToken?: string;
  /**
   * Whether the server had already answered `initialize` on this connection, i.e. the refused
   * request belongs to a running session rather than to setting one up.
   */
  sessionEstablished?: boolean;
}

/**
 * Supplies the bearer token for requests to the MCP server and reacts when the server refuses it.
 * A static token, no token at all and full OAuth all implement this.
 */
export interface CredentialProvider {
  /**
   * The token to send now, or none: returned as it is when it is at hand, so a request goes out
   * in the same turn, and as a promise when it must be refreshed first (it is about to expire).
   */
  accessToken(): string | undefined | Promise<string | undefined>;
  /**
   * Called on a 401, or a 403 with `error="insufficient_scope"`. Resolves with a token to retry
   * with (after refresh, sign-in or step-up) or rejects with a BridgeError of kind
   * `auth_required`/`auth_failed`. Concurrent calls for the same rejected token share one flow.
   */
  handleRefusal(refusal: AuthRefusal): Promise<string>;
  /**
   * Subscribes to the interactive sign-ins this provider runs (a browser window the user must
   * complete), which refused requests wait for; returns the unsubscribe function.
   */
  watchSignIn?(listener: (event: SignInEvent) => void): () => void;
}

/** An interactive sign-in starting (with a line for the user) or ending, either way. */
export type SignInEvent = { kind: "started"; message: string } | { kind: "finished" };

/** Where and how to reach the server; shared by all transports. */
export interface TransportOptions {
  /** The MCP endpoint. */
  url: URL;
  /** Extra headers sent on every request (`--header`, `MCP_CLIENT_HEADERS`). */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Supplies and renews the bearer token. */
  credentials: CredentialProvider;
  /** Receives every message the server sends. */
  onMessage: MessageHandler;
  /** The fetch to use; carries the custom CA and proxy settings. */
  fetch: typeof fetch;
  log: Logger;
  /** The largest single message read from the server, in bytes (default `MAX_MESSAGE_BYTES`). */
  maxMessageBytes?: number;
}

/** Options of one {@link Transport.send}. */
export interface SendOptions {
  /** The sender's original text of the message, relayed byte for byte when possible. */
  raw?: string;
  /** Aborts the exchange (timeout, cancellation); `send` then rejects with the reason. */
  signal?: AbortSignal;
  /**
   * Told `true` while the exchange waits on the sender itself (a dialog the era translation
   * opened for it) and `false` when that wait is over, so the sender's timeout does not run
   * meanwhile.
   */
  onWaitingForClient?: (waiting: boolean) => void;
}

/**
 * A connection to one MCP server. `send` resolves once the message was delivered and, for a
 * request, once its response has been passed to `onMessage`; it rejects with a BridgeError when
 * that cannot happen. The response for a request is never both passed on and rejected.
 */
export interface Transport {
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  /** The protocol version negotiated by `initialize`, once known. */
  readonly protocolVersion: string | undefined;
  /** Ends the session (DELETE where the transport has one) and closes every stream. */
  close(): Promise<void>;
  /**
   * Resolves once the stream for server-initiated messages is open, or known not to be
   * available, so a subscription is acknowledged only when its notifications can arrive.
   * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#listening-for-messages-from-the-server
   */
  serverStreamReady?(): Promise<void>;
}
