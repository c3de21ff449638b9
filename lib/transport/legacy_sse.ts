/**
 * The 2024-11-05 HTTP+SSE transport, for servers that predate Streamable HTTP: one long GET
 * stream whose first event, `endpoint`, names the URL to POST messages to (it must have the
 * same origin as the stream, or the bearer token could leak elsewhere); every server message,
 * responses included, arrives as a `message` event on that stream. No session headers, no
 * resumption: when the stream ends, requests still waiting fail, and the transport opens a new
 * stream (with back-off) and re-sends the client's `initialize` on it, checking the answer still
 * fits what the client was told. A message refused as an unknown session while the stream stays
 * open (a restarted or load-balanced server) does the same at once, and a request so refused is
 * sent once more on the new session. A slow consumer of `onMessage` slows the reading of the
 * stream.
 * It writes nothing anywhere and never logs a token.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 */

import { abortable } from "../async.ts";
import { DEFAULT_RECONNECT_DELAY_MS } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import {
  createBridgeId,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../jsonrpc/message.ts";
import { type Logger, redactedMessage } from "../log.ts";
import { MessageTooLargeError } from "./bounded_read.ts";
import { classifyResponse, mentionsLostSession } from "./classify.ts";
import { discard } from "./discard.ts";
import { readRefusalText, sendUntilDecided } from "./endpoint.ts";
import { endpointPathHint } from "./endpoint_hint.ts";
import { buildRequestHeaders } from "./headers.ts";
import {
  describeMessage,
  InboundRouter,
  parseRpcErrorBody,
  type PendingRequest,
  readRpcErrorBody,
} from "./inbound.ts";
import { TransportCloser } from "./lifecycle.ts";
import { NO_ATTEMPTS } from "./next_action.ts";
import { checkReinitialized } from "./reinitialize_check.ts";
import { backoffDelay, REAL_SCHEDULER, type Scheduler } from "./resumable_stream.ts";
import { readSseEvents, type SseRecord } from "./sse.ts";
import type { CredentialProvider, SendOptions, Transport, TransportOptions } from "./types.ts";

/** Options of {@link createLegacySseTransport}. */
export interface LegacySseOptions extends TransportOptions {
  /** Base delay before reopening an ended stream, in ms (doubles per failed attempt). */
  reconnectDelayMs?: number;
  /** Waits between reconnection attempts; real timers by default. */
  scheduler?: Scheduler;
}

/** Resolves an `endpoint` event's data against the stream URL; throws unless same-origin. */
export function resolveLegacyEndpoint(data: string, streamUrl: URL): URL {
  let endpoint: URL;
  try {
    endpoint = new URL(data.trim(), streamUrl);
  } catch {
    throw new BridgeError("protocol", "Server announced an invalid message endpoint");
  }
  if (endpoint.origin !== streamUrl.origin) {
    throw new BridgeError(
      "protocol",
      `Server announced a message endpoint on another origin: "${endpoint.origin}"`,
      { hint: "Refusing to send credentials to another origin; check the server URL" },
    );
  }
  return endpoint;
}

/**
 * The server answered a message POST as if its session were unknown (404 on the endpoint it
 * announced, or 400 naming the session), while the stream may still be open.
 */
class SessionForgotten extends BridgeError {
  constructor(status: number) {
    super("session_lost", `Server forgot the HTTP+SSE session: HTTP ${status}`, {
      status,
      hint: "The bridge reopens the stream and re-creates the session",
    });
  }
}

/**
 * Whether a refused message POST says the session is unknown, by the rule of the Streamable HTTP
 * session (the endpoint's URL carries the session id): a 404, or a 400 whose body names the
 * session; not a body that is the server's own JSON-RPC error on another matter. Reads a copy
 * of the body.
 */
async function forgetsSession(response: Response): Promise<boolean> {
  if (response.status !== 404 && response.status !== 400) return false;
  const text = await readRefusalText(response);
  const namesSession = text !== undefined && mentionsLostSession(text);
  if (text !== undefined && !namesSession && parseRpcErrorBody(text)) return false;
  const outcome = classifyResponse(response.status, response.headers, {
    hadSessionId: true,
    isInitialize: false,
    sessionRefused: namesSession,
  });
  return outcome.kind === "session-gone";
}

/** The open stream: the endpoint it announced, and what ends the reading of it alone. */
interface OpenStream {
  endpoint: URL;
  control: AbortController;
}

/** A 2024-11-05 HTTP+SSE connection. Create it with {@link createLegacySseTransport}. */
export class LegacySseTransport implements Transport {
  readonly #url: URL;
  readonly #extraHeaders: ReadonlyArray<readonly [string, string]>;
  readonly #credentials: CredentialProvider;
  readonly #inbound: InboundRouter;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;
  readonly #maxMessageBytes: number | undefined;
  readonly #reconnectDelayMs: number;
  readonly #scheduler: Scheduler;

  #protocolVersion: string | undefined;
  #connecting: Promise<URL> | undefined;
  #stream: OpenStream | undefined;
  #closer = new TransportCloser();
  #closed = false;
  #streamTasks = new Set<Promise<void>>();
  /** The client's initialize request and the result it received, to re-create the session. */
  #initialize: { params: unknown; result?: unknown } | undefined;

  constructor(options: LegacySseOptions) {
    this.#url = options.url;
    this.#extraHeaders = options.headers;
    this.#credentials = options.credentials;
    this.#inbound = new InboundRouter({
      onMessage: options.onMessage,
      log: options.log,
      onResponse: (pending, response) => this.#onResponse(pending, response),
    });
    this.#fetch = options.fetch;
    this.#log = options.log;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
    this.#scheduler = options.scheduler ?? REAL_SCHEDULER;
  }

  /** The protocol version from the initialize result, once known. */
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }

  /**
   * Sends one message; for a request, resolves once its response was passed to onMessage. A
   * request the server refuses because it forgot the session is sent once more, on a reopened
   * stream and a re-created session (the server did not act on it).
   */
  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) throw this.#closedError();
    const { signal, release } = this.#closer.exchange(options.signal);
    const body = options.raw ?? JSON.stringify(message);
    try {
      for (let attempt = 1;; attempt++) {
        const endpoint = await abortable(this.#connect(), signal);
        let pending: PendingRequest | undefined;
        if (isRequest(message)) {
          const isInitialize = message.method === "initialize";
          if (isInitialize) this.#initialize ??= { params: message.params ?? {} };
          pending = this.#inbound.track(message.id, { isInitialize });
        }
        try {
          await this.#post(endpoint, message, body, { pending, signal });
          if (pending) await abortable(pending.answered, signal);
          return;
        } catch (error) {
          if (pending) this.#inbound.abandon(pending, error);
          if (signal.aborted) throw signal.reason;
          if (!(error instanceof SessionForgotten)) throw error;
          this.#forgetStream(endpoint, error);
          if (!pending || pending.isInitialize || attempt > 1) throw error;
        }
      }
    } finally {
      release();
    }
  }

  #onResponse(pending: PendingRequest, response: JsonRpcResponse): void {
    if (!pending.isInitialize || pending.internal || !("result" in response)) return;
    const version = response.result.protocolVersion;
    if (typeof version === "string") this.#protocolVersion = version;
    if (this.#initialize) this.#initialize.result = response.result;
  }

  /** Ends the stream; there is no session to delete in this transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closer.abort(this.#closedError());
    await this.#connecting?.catch(() => {});
    await Promise.allSettled([...this.#streamTasks]);
  }

  #closedError(): BridgeError {
    return new BridgeError("session_lost", "Connection to the server was closed", {
      hint: "The bridge is shutting down",
    });
  }

  async #fetchWithAuth(
    url: URL,
    init: { method: "GET" | "POST"; body?: string },
    signal: AbortSignal,
  ): Promise<Response> {
    const { response, action } = await sendUntilDecided({
      exchange: "legacy",
      attempts: NO_ATTEMPTS,
      fetch: this.#fetch,
      url,
      prepare: (token) => ({
        ...init,
        headers: buildRequestHeaders({
          method: init.method === "POST" ? "post" : "get",
          extra: this.#extraHeaders,
          token,
        }),
        signal,
        label: `${init.method} (HTTP+SSE)`,
      }),
      credentials: this.#credentials,
      log: this.#log,
      sessionEstablished: () => this.#protocolVersion !== undefined,
    });
    if (action.kind === "deliver") return response;
    throw action.kind === "fail" ? action.error : new BridgeError(
      "http_error",
      `Server refused the request: HTTP ${response.status}`,
      { status: response.status },
    );
  }

  #connect(): Promise<URL> {
    this.#connecting ??= this.#establish().catch((error) => {
      this.#connecting = undefined; // a later send may try again
      throw error;
    });
    return this.#connecting;
  }

  /** Opens the stream; on a reopened one, re-sends the client's initialize first. */
  async #establish(): Promise<URL> {
    const endpoint = await this.#openStream();
    const initialize = this.#initialize;
    if (initialize?.result !== undefined) await this.#reinitialize(endpoint, initialize);
    return endpoint;
  }

  async #reinitialize(
    endpoint: URL,
    initialize: { params: unknown; result?: unknown },
  ): Promise<void> {
    const signal = this.#closer.signal;
    const id = createBridgeId("reinitialize");
    const request: JsonRpcRequest = {
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: initialize.params as JsonRpcRequest["params"],
    };
    const pending = this.#inbound.track(id, { internal: true, isInitialize: true });
    try {
      await this.#post(endpoint, request, JSON.stringify(request), { pending, signal });
      await abortable(pending.answered, signal);
    } catch (error) {
      this.#inbound.abandon(pending, error);
      throw error;
    }
    const response = pending.response;
    if (!response || !("result" in response)) {
      throw new BridgeError("session_lost", "Server refused to re-initialize the session");
    }
    const misfit = checkReinitialized(initialize.result, response.result);
    if (misfit) throw misfit;
    const initialized: JsonRpcMessage = { jsonrpc: "2.0", method: "notifications/initialized" };
    await this.#post(endpoint, initialized, JSON.stringify(initialized), {
      pending: undefined,
      signal,
    });
    this.#log.info("HTTP+SSE stream reopened and session re-created");
  }

  async #openStream(): Promise<URL> {
    const signal = this.#closer.signal;
    const response = await this.#fetchWithAuth(this.#url, { method: "GET" }, signal);
    const outcome = classifyResponse(response.status, response.headers, {
      hadSessionId: false,
      isInitialize: false,
    });
    if (outcome.kind !== "ok-sse" || !response.body) {
      await discard(response);
      if (response.ok) {
        throw new BridgeError(
          "protocol",
          "Server did not answer the HTTP+SSE stream request with text/event-stream",
          { status: response.status },
        );
      }
      throw new BridgeError(
        "http_error",
        `Server refused the HTTP+SSE stream: HTTP ${response.status}`,
        {
          status: response.status,
          ...(response.status === 404 ? { hint: endpointPathHint(this.#url) } : {}),
        },
      );
    }
    const control = new AbortController();
    const records = readSseEvents(response.body, {
      maxEventBytes: this.#maxMessageBytes,
      signal: AbortSignal.any([signal, control.signal]),
    });
    let endpoint: URL | undefined;
    try {
      while (!endpoint) {
        const next = await records.next();
        if (next.done) {
          throw new BridgeError(
            "protocol",
            "Server closed the HTTP+SSE stream before announcing its message endpoint",
          );
        }
        const record: SseRecord = next.value;
        if (record.type === "event" && record.event === "endpoint") {
          endpoint = resolveLegacyEndpoint(record.data, this.#url);
        } else if (record.type === "event") {
          await this.#inbound.routeSseEvent(record.data, record.event);
        }
      }
    } catch (error) {
      await records.return(undefined);
      if (signal.aborted) throw signal.reason;
      throw error;
    }
    const stream: OpenStream = { endpoint, control };
    this.#stream = stream;
    this.#track(this.#readStream(records, stream, signal));
    return endpoint;
  }

  #track(task: Promise<void>): void {
    this.#streamTasks.add(task);
    task.finally(() => this.#streamTasks.delete(task));
  }

  /**
   * Drops the stream that announced `endpoint` after the server refused a message on it as an
   * unknown session: the requests waiting on it fail, and a new stream is opened (and the
   * session re-created) at once. Does nothing when that stream was already replaced.
   */
  #forgetStream(endpoint: URL, refusal: SessionForgotten): void {
    const stream = this.#stream;
    if (stream?.endpoint !== endpoint || this.#closed) return;
    this.#stream = undefined;
    this.#connecting = undefined;
    stream.control.abort(refusal);
    this.#inbound.failAll(
      new BridgeError(
        "session_lost",
        "Server forgot the HTTP+SSE session while the request was waiting",
        {
          status: refusal.status,
          hint: "The server may have acted on the request before; retry it if that is safe",
        },
      ),
    );
    this.#log.warn(`${refusal.message}; reconnecting`);
    this.#track(this.#reconnect(0, this.#closer.signal));
  }

  async #readStream(
    records: AsyncGenerator<SseRecord, void, undefined>,
    stream: OpenStream,
    signal: AbortSignal,
  ): Promise<void> {
    let failure: BridgeError | undefined;
    let progressed = false;
    const forgotten = stream.control.signal;
    try {
      for await (const record of records) {
        if (forgotten.aborted) break;
        if (record.type !== "event") continue;
        progressed = true;
        await this.#inbound.routeSseEvent(record.data, record.event);
      }
    } catch (error) {
      if (error instanceof MessageTooLargeError) failure = error;
      else if (!signal.aborted && !forgotten.aborted) {
        this.#log.debug(`HTTP+SSE stream interrupted: ${redactedMessage(error)}`);
      }
    }
    if (forgotten.aborted) return; // #forgetStream failed its requests and reconnects
    if (this.#stream === stream) this.#stream = undefined;
    const lost = signal.aborted ? this.#closedError() : failure ??
      new BridgeError("stream_lost", "Server closed the HTTP+SSE stream", {
        hint: "The request was lost with the stream; retry it",
      });
    this.#inbound.failAll(lost);
    if (signal.aborted || this.#closed) return;
    this.#log.warn(`${lost.message}; reconnecting`);
    this.#connecting = undefined;
    await this.#reconnect(progressed ? 0 : 1, signal);
  }

  /** Reopens the stream with back-off until it works or the transport closes. */
  async #reconnect(failures: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (failures > 0) {
        try {
          await this.#scheduler.sleep(backoffDelay(failures, this.#reconnectDelayMs), signal);
        } catch {
          return;
        }
      }
      try {
        await this.#connect();
        return;
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        this.#log.debug(`Reopening the HTTP+SSE stream failed: ${redactedMessage(error)}`);
        if (error instanceof BridgeError && error.kind === "session_lost") {
          this.#log.warn(error.message);
        }
      }
    }
  }

  /**
   * POSTs one message to the endpoint. A refusal (4xx/5xx) that carries the server's JSON-RPC
   * error answers the request with it, as on the other transports; any other refusal fails
   * with an `http_error` naming the status and the endpoint (without its query, which holds
   * the session id).
   */
  async #post(
    endpoint: URL,
    message: JsonRpcMessage,
    body: string,
    context: { pending: PendingRequest | undefined; signal: AbortSignal },
  ): Promise<void> {
    const response = await this.#fetchWithAuth(
      endpoint,
      { method: "POST", body },
      context.signal,
    );
    if (response.ok) return await discard(response);
    if (await forgetsSession(response)) {
      await discard(response);
      throw new SessionForgotten(response.status);
    }
    const rpcError = await readRpcErrorBody(response, this.#maxMessageBytes);
    if (rpcError && context.pending) {
      return await this.#inbound.routeErrorBody(context.pending, rpcError);
    }
    throw new BridgeError(
      "http_error",
      `Server refused ${describeMessage(message)}: HTTP ${response.status}`,
      {
        status: response.status,
        details: { endpoint: `${endpoint.origin}${endpoint.pathname}` },
      },
    );
  }
}

/** Creates a 2024-11-05 HTTP+SSE transport; the stream opens on the first send. */
export function createLegacySseTransport(options: LegacySseOptions): LegacySseTransport {
  return new LegacySseTransport(options);
}
