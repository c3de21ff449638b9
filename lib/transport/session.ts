/**
 * The 2025-era Streamable HTTP session (MCP 2025-03-26, 2025-06-18, 2025-11-25): the session id
 * and negotiated protocol version, one POST per message with JSON or SSE answers relayed as
 * they arrive, transparent re-initialization when the server forgets the session, bearer tokens
 * on every request, and DELETE on close. The GET stream for server-initiated messages lives in
 * server_stream.ts, routing answers in inbound.ts, what to do with each HTTP answer in
 * next_action.ts, stream reading and resumption in resumable_stream.ts, headers in headers.ts.
 * It writes nothing anywhere and never logs a token or the session id.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 */

import {
  DEFAULT_RECONNECT_DELAY_MS,
  SHUTDOWN_DELETE_TIMEOUT_MS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { trackTask, transportClosedError, TransportCloser } from "./lifecycle.ts";
import {
  isNotification,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../jsonrpc/message.ts";
import { type Logger, redactedMessage } from "../log.ts";
import type { ResponseOutcome } from "./classify.ts";
import { discard } from "./discard.ts";
import { buildRequestHeaders, type RequestHeaders } from "./headers.ts";
import {
  type DecidedRequest,
  type Decision,
  deliversInBand,
  type PreparedRequest,
  sendBestEffort,
  sendUntilDecided,
} from "./endpoint.ts";
import { LegacyTransportSignal } from "./era.ts";
import { recreateSession } from "./reinitialize.ts";
import { describeMessage, InboundRouter, type PendingRequest, routeJsonAnswer } from "./inbound.ts";
import { type Attempts, type Exchange, NO_ATTEMPTS } from "./next_action.ts";
import { readResumableStream, REAL_SCHEDULER, type Scheduler } from "./resumable_stream.ts";
import { ServerStream } from "./server_stream.ts";
import { abortable } from "../async.ts";
import type { CredentialProvider, SendOptions, Transport, TransportOptions } from "./types.ts";

export { LegacyTransportSignal };

/** Options of {@link createStreamableHttpSession}. */
export interface StreamableHttpOptions extends TransportOptions {
  /** Base delay before resuming a stream when the server sent no `retry`, in ms. */
  reconnectDelayMs?: number;
  /** Waits between stream attempts; real timers by default. */
  scheduler?: Scheduler;
}

interface ExchangeContext {
  isInitialize: boolean;
  /** Whether a 404 may trigger re-initialization (never while re-initializing). */
  allowReinit: boolean;
  signal: AbortSignal;
  label: string;
}

/** A Streamable HTTP session with one MCP server. Create it with {@link createStreamableHttpSession}. */
export class StreamableHttpSession implements Transport {
  readonly #url: URL;
  readonly #extraHeaders: ReadonlyArray<readonly [string, string]>;
  readonly #credentials: CredentialProvider;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;
  readonly #reconnectDelayMs: number;
  readonly #scheduler: Scheduler;
  readonly #inbound: InboundRouter;
  readonly #maxMessageBytes: number | undefined;

  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #initializeParams: Record<string, unknown> | undefined;
  #tasks = new Set<Promise<unknown>>();
  #closer = new TransportCloser();
  #closed = false;
  readonly #serverStream: ServerStream;
  #reinitializing: Promise<void> | undefined;
  /** The `initialize` result the client received, to check a re-created session against. */
  #initializeResult: unknown;

  constructor(options: StreamableHttpOptions) {
    this.#url = options.url;
    this.#extraHeaders = options.headers;
    this.#credentials = options.credentials;
    this.#fetch = options.fetch;
    this.#log = options.log;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    this.#scheduler = options.scheduler ?? REAL_SCHEDULER;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#inbound = new InboundRouter({
      onMessage: options.onMessage,
      log: options.log,
      onResponse: (pending, response) => this.#onResponse(pending, response),
    });
    this.#serverStream = new ServerStream({
      decide: (attempts, prepare) => this.#decide("get-stream", attempts, prepare),
      headers: (token, lastEventId) => this.#headers("get", { token, lastEventId }),
      sessionId: () => this.#sessionId,
      reinitialize: (staleSessionId) => this.#reinitialize(staleSessionId),
      inbound: this.#inbound,
      tasks: this.#tasks,
      closed: this.#closer.signal,
      log: this.#log,
      scheduler: this.#scheduler,
      reconnectDelayMs: this.#reconnectDelayMs,
      maxMessageBytes: this.#maxMessageBytes,
    });
  }

  /** The protocol version negotiated by the client's `initialize`, once known. */
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }

  /** Whether the server gave a session id (never exposes the id itself). */
  get hasSession(): boolean {
    return this.#sessionId !== undefined;
  }

  /** Whether the server answered the GET stream with 405 (it offers no such stream). */
  get getStreamUnsupported(): boolean {
    return this.#serverStream.unsupported;
  }

  /** Resolves once the GET stream is open, or has stopped, or was never wanted. */
  serverStreamReady(): Promise<void> {
    return this.#serverStream.ready();
  }

  /** Sends one message; for a request, resolves once its response was passed to onMessage. */
  send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(transportClosedError());
    const linked = this.#closer.exchange(options.signal);
    const { signal } = linked;
    const isInitialize = isRequest(message) && message.method === "initialize";
    if (isInitialize && !this.#initializeParams) {
      this.#initializeParams = (message as JsonRpcRequest).params ?? {};
    }
    const pending = isRequest(message)
      ? this.#inbound.track(message.id, { isInitialize })
      : undefined;
    const body = options.raw ?? JSON.stringify(message);
    const context: ExchangeContext = {
      isInitialize,
      allowReinit: !isInitialize,
      signal,
      label: describeMessage(message),
    };
    const exchanged = trackTask(
      this.#tasks,
      (async () => {
        try {
          await this.#exchange(body, pending, context);
        } catch (error) {
          if (pending) this.#inbound.abandon(pending, error);
          throw signal.aborted ? signal.reason : error;
        }
      })(),
      linked.release,
    );
    // The GET stream opens as the notification goes out, not a round trip later: the client's
    // next requests do not overtake it, so whatever the server sends on it for them (answers
    // after a closed POST stream, list changes) has a stream to go to.
    if (isNotification(message) && message.method === "notifications/initialized") {
      this.#serverStream.want();
    }
    return exchanged;
  }

  /** Ends the session: aborts every stream, then sends DELETE with the session id. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#serverStream.stop();
    this.#closer.abort(transportClosedError());
    await Promise.allSettled([...this.#tasks]);
    if (this.#sessionId !== undefined) await this.#deleteSession();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #onResponse(pending: PendingRequest, response: JsonRpcResponse): void {
    if (!pending.isInitialize || pending.internal || !("result" in response)) return;
    this.#initializeResult ??= response.result;
    const version = response.result.protocolVersion;
    if (typeof version !== "string") return;
    this.#protocolVersion = version;
    if (!(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
      this.#log.warn(
        `Server negotiated a protocol version this bridge does not know: "${version}"`,
      );
    }
  }

  // ---- exchanges ------------------------------------------------------------------------

  async #exchange(
    body: string,
    pending: PendingRequest | undefined,
    context: ExchangeContext,
  ): Promise<void> {
    let attempts: Attempts = NO_ATTEMPTS;
    while (true) {
      let sentSessionId: string | undefined;
      const decision = await this.#decide("post", attempts, (token) => {
        sentSessionId = context.isInitialize ? undefined : this.#sessionId;
        const headers = this.#headers("post", { token, isInitialize: context.isInitialize });
        return {
          method: "POST",
          headers,
          signal: context.signal,
          body,
          label: `POST ${context.label}`,
          isInitialize: context.isInitialize,
        };
      }, {
        expectsResponse: pending !== undefined,
        allowReinit: context.allowReinit,
        readErrorBody: { maxBytes: this.#maxMessageBytes },
        beforeSend: context.allowReinit ? () => this.#untilSessionRecreated(context) : undefined,
      });
      const { response, outcome, action, rpcError } = decision;
      if (rpcError && pending && deliversInBand(action, rpcError)) {
        return await this.#inbound.routeErrorBody(pending, rpcError);
      }
      attempts = decision.attempts;
      switch (action.kind) {
        case "deliver":
          if (context.isInitialize && outcome.kind !== "accepted") {
            const sessionId = response.headers.get("mcp-session-id");
            this.#sessionId = sessionId && /^[\x21-\x7e]+$/.test(sessionId) ? sessionId : undefined;
          }
          return await this.#readAnswer(response, outcome.kind, pending, context);
        case "reinitialize":
          await abortable(this.#reinitialize(sentSessionId!), context.signal);
          continue;
        case "fall-back":
          throw new LegacyTransportSignal(action.status, this.#url);
        default:
          throw action.kind === "fail" ? action.error : new BridgeError(
            "protocol",
            `Server answered a POST unexpectedly: HTTP ${response.status}`,
          );
      }
    }
  }

  /** Sends (renewing the token as the policy says) until the policy decides what to do. */
  #decide(
    exchange: Exchange,
    attempts: Attempts,
    prepare: (token: string | undefined) => PreparedRequest,
    policy: Pick<
      DecidedRequest,
      "expectsResponse" | "allowReinit" | "readErrorBody" | "beforeSend"
    > = {},
  ): Promise<Decision> {
    return sendUntilDecided({
      exchange,
      attempts,
      prepare,
      ...policy,
      fetch: this.#fetch,
      url: this.#url,
      credentials: this.#credentials,
      log: this.#log,
      sessionEstablished: () => this.#protocolVersion !== undefined,
    });
  }

  #headers(
    method: "post" | "get" | "delete",
    options: { token?: string; isInitialize?: boolean; lastEventId?: string },
  ): RequestHeaders {
    return buildRequestHeaders({
      method,
      extra: this.#extraHeaders,
      token: options.token,
      sessionId: options.isInitialize ? undefined : this.#sessionId,
      protocolVersion: options.isInitialize ? undefined : this.#protocolVersion,
      lastEventId: options.lastEventId,
    });
  }

  // ---- bodies and streams -----------------------------------------------------------------

  /** Reads a delivered answer: a JSON body, a (resumable) SSE stream, or nothing. */
  async #readAnswer(
    response: Response,
    kind: ResponseOutcome["kind"],
    pending: PendingRequest | undefined,
    context: ExchangeContext,
  ): Promise<void> {
    if (kind === "ok-json") {
      return await routeJsonAnswer(this.#inbound, response, {
        pending,
        signal: context.signal,
        maxBytes: this.#maxMessageBytes,
      });
    }
    if (kind !== "ok-sse") return await discard(response);
    const origin = pending ? { requestId: pending.id } : undefined;
    await readResumableStream(response.body ?? undefined, {
      onEvent: (event) => this.#inbound.routeSseEvent(event.data, event.event, origin),
      isDone: () => !pending || pending.settled,
      resume: (lastEventId) => this.#openResumeStream(lastEventId, context),
      label: context.label,
      signal: context.signal,
      log: this.#log,
      scheduler: this.#scheduler,
      reconnectDelayMs: this.#reconnectDelayMs,
      maxEventBytes: this.#maxMessageBytes,
    });
  }

  /** GET with Last-Event-ID; undefined on a network failure (retried), throws when refused. */
  async #openResumeStream(
    lastEventId: string,
    context: ExchangeContext,
  ): Promise<ReadableStream<Uint8Array> | undefined> {
    let decision: Decision;
    try {
      decision = await this.#decide("resume", NO_ATTEMPTS, (token) => ({
        method: "GET",
        headers: this.#headers("get", { token, lastEventId }),
        signal: context.signal,
        label: `GET (resume ${context.label})`,
      }));
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      if (!(error instanceof BridgeError) || error.kind !== "unreachable") throw error;
      this.#log.debug(`Resuming the stream failed: ${redactedMessage(error)}`);
      return undefined;
    }
    const { response, action } = decision;
    if (action.kind === "deliver") return response.body ?? undefined;
    throw action.kind === "fail" ? action.error : new BridgeError(
      "stream_lost",
      `Cannot resume the response stream: server answered HTTP ${response.status}`,
    );
  }

  // ---- re-initialization ------------------------------------------------------------------

  /** Re-creates the session after a 404 to a request that carried `staleSessionId`. */
  async #reinitialize(staleSessionId: string): Promise<void> {
    if (this.#reinitializing) return await this.#reinitializing;
    if (this.#sessionId !== staleSessionId) return; // someone already re-created it
    this.#reinitializing = this.#recreateSession().finally(() => {
      this.#reinitializing = undefined;
    });
    return await this.#reinitializing;
  }

  async #recreateSession(): Promise<void> {
    this.#log.info("Server forgot the session; re-initializing");
    this.#serverStream.stop();
    this.#sessionId = undefined;
    const signal = this.#closer.signal;
    await recreateSession({
      initializeParams: this.#initializeParams,
      protocolVersion: this.#protocolVersion,
      firstResult: this.#initializeResult,
      router: this.#inbound,
      signal,
      send: (body, pending) =>
        this.#exchange(body, pending, {
          isInitialize: pending !== undefined,
          allowReinit: false,
          signal,
          label: pending ? "initialize (bridge)" : "notifications/initialized (bridge)",
        }),
    });
    this.#log.info("Session re-created");
    this.#serverStream.resume();
  }

  /**
   * A message sent while the session is being re-created, or sent again after a refused
   * connection meanwhile, waits for it and goes out on the new session, instead of going out
   * with no session id and being refused.
   */
  #untilSessionRecreated(context: ExchangeContext): Promise<void> | undefined {
    const reinitializing = this.#reinitializing;
    if (!reinitializing) return undefined;
    this.#log.debug(`${context.label}: waits for the session to be re-created`);
    return abortable(reinitializing, context.signal);
  }

  // ---- bookkeeping ------------------------------------------------------------------------

  async #deleteSession(): Promise<void> {
    const sent = await sendBestEffort(this.#fetch, this.#url, {
      method: "DELETE",
      timeoutMs: SHUTDOWN_DELETE_TIMEOUT_MS,
      headers: async (signal) => {
        const token = await abortable(Promise.resolve(this.#credentials.accessToken()), signal);
        return this.#headers("delete", { token });
      },
    });
    this.#sessionId = undefined;
    this.#log.debug(`DELETE session: ${sent}`);
  }
}

/** Creates a Streamable HTTP session; nothing is sent until the first {@link Transport.send}. */
export function createStreamableHttpSession(options: StreamableHttpOptions): StreamableHttpSession {
  return new StreamableHttpSession(options);
}
