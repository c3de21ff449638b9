/**
 * The 2024-11-05 HTTP+SSE transport, for servers that predate Streamable HTTP: one long GET
 * stream whose first event, `endpoint`, names the URL to POST messages to (it must have the
 * same origin as the stream, or the bearer token could leak elsewhere); every server message,
 * responses included, arrives as a `message` event on that stream. No session headers, no
 * resumption: when the stream ends, requests still waiting fail, and the transport opens a new
 * stream (with back-off) and re-sends the client's `initialize` on it, checking the answer still
 * fits what the client was told. A slow consumer of `onMessage` slows the reading of the stream.
 * It writes nothing anywhere and never logs a token.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 */

import { abortable, sleep } from "../async.ts";
import { DEFAULT_RECONNECT_DELAY_MS, MAX_SCOPE_STEP_UPS } from "../constants.ts";
import { fetchFailureError } from "../fetch_failure.ts";
import { endpointPathHint } from "./endpoint_hint.ts";
import { BridgeError } from "../errors.ts";
import {
  createBridgeId,
  idKey,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  validateMessage,
} from "../jsonrpc/message.ts";
import { type Logger, redactedMessage } from "../log.ts";
import { MessageTooLargeError } from "./bounded_read.ts";
import { classifyResponse } from "./classify.ts";
import { checkReinitialized } from "./reinitialize_check.ts";
import { readSseEvents, type SseRecord } from "./sse.ts";
import { backoffDelay } from "./streamable_http.ts";
import type {
  CredentialProvider,
  MessageHandler,
  SendOptions,
  Transport,
  TransportOptions,
} from "./types.ts";
import { discard } from "./discard.ts";

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  /** Bridge-owned (re-initialization): the response is kept here, not passed on. */
  internal?: { response?: JsonRpcResponse };
}

/** Options of {@link createLegacySseTransport}. */
export interface LegacySseOptions extends TransportOptions {
  /** Base delay before reopening an ended stream, in ms (doubles per failed attempt). */
  reconnectDelayMs?: number;
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

/** A 2024-11-05 HTTP+SSE connection. Create it with {@link createLegacySseTransport}. */
export class LegacySseTransport implements Transport {
  readonly #url: URL;
  readonly #extraHeaders: ReadonlyArray<readonly [string, string]>;
  readonly #credentials: CredentialProvider;
  readonly #onMessage: MessageHandler;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;
  readonly #maxMessageBytes: number | undefined;
  readonly #reconnectDelayMs: number;

  #protocolVersion: string | undefined;
  #connecting: Promise<URL> | undefined;
  #waiters = new Map<string, Waiter>();
  #initializeKeys = new Set<string>();
  #closer = new AbortController();
  #closed = false;
  #streamTasks = new Set<Promise<void>>();
  /** The client's initialize request and the result it received, to re-create the session. */
  #initialize: { params: unknown; result?: unknown } | undefined;

  constructor(options: LegacySseOptions) {
    this.#url = options.url;
    this.#extraHeaders = options.headers;
    this.#credentials = options.credentials;
    this.#onMessage = options.onMessage;
    this.#fetch = options.fetch;
    this.#log = options.log;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
  }

  /** The protocol version from the initialize result, once known. */
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }

  /** Sends one message; for a request, resolves once its response was passed to onMessage. */
  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) throw this.#closedError();
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closer.signal])
      : this.#closer.signal;
    const endpoint = await abortable(this.#connect(), signal);
    let answered: Promise<void> | undefined;
    let key: string | undefined;
    if (isRequest(message)) {
      key = idKey(message.id);
      if (message.method === "initialize") {
        this.#initializeKeys.add(key);
        this.#initialize ??= { params: message.params ?? {} };
      }
      const thisKey = key;
      answered = new Promise<void>((resolve, reject) => {
        this.#waiters.set(thisKey, { resolve, reject });
      });
      answered.catch(() => {});
    }
    try {
      await this.#post(endpoint, options.raw ?? JSON.stringify(message), signal);
      if (answered) await abortable(answered, signal);
    } catch (error) {
      if (key !== undefined) this.#waiters.delete(key);
      throw signal.aborted ? signal.reason : error;
    }
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

  #headers(token: string | undefined, post: boolean): Headers {
    const headers = new Headers();
    for (const [name, value] of this.#extraHeaders) headers.append(name, value);
    headers.set("Accept", post ? "application/json, text/event-stream" : "text/event-stream");
    if (post) headers.set("Content-Type", "application/json");
    if (token) headers.set("Authorization", `Bearer ${token}`);
    return headers;
  }

  async #fetchWithAuth(
    url: URL,
    init: { method: "GET" | "POST"; body?: string },
    signal: AbortSignal,
  ): Promise<Response> {
    let authRetried = false;
    let stepUps = 0;
    while (true) {
      const token = await this.#credentials.accessToken();
      let response: Response;
      try {
        response = await this.#fetch(url, {
          ...init,
          headers: this.#headers(token, init.method === "POST"),
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof BridgeError) throw error; // e.g. a refused redirect
        throw fetchFailureError(error, url);
      }
      const outcome = classifyResponse(response.status, response.headers, {
        hadSessionId: false,
        isInitialize: false,
      });
      this.#log.debug(`${init.method} (HTTP+SSE): HTTP ${response.status} (${outcome.kind})`);
      if (outcome.kind === "unauthorized" && !authRetried) {
        authRetried = true;
        await discard(response);
        await this.#credentials.handleRefusal({
          status: 401,
          challenge: outcome.challenge,
          rejectedToken: token,
          sessionEstablished: this.#protocolVersion !== undefined,
        });
        continue;
      }
      if (outcome.kind === "insufficient-scope" && stepUps < MAX_SCOPE_STEP_UPS) {
        stepUps++;
        await discard(response);
        await this.#credentials.handleRefusal({
          status: 403,
          challenge: outcome.challenge,
          rejectedToken: token,
          sessionEstablished: this.#protocolVersion !== undefined,
        });
        continue;
      }
      if (outcome.kind === "unauthorized" || outcome.kind === "insufficient-scope") {
        await discard(response);
        throw new BridgeError(
          "auth_failed",
          `Server refused the renewed access token: HTTP ${response.status}`,
          { status: response.status },
        );
      }
      return response;
    }
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
    const key = idKey(id);
    const internal: { response?: JsonRpcResponse } = {};
    const answered = new Promise<void>((resolve, reject) => {
      this.#waiters.set(key, { resolve, reject, internal });
    });
    answered.catch(() => {});
    try {
      await this.#post(endpoint, JSON.stringify(request), signal);
      await abortable(answered, signal);
    } finally {
      this.#waiters.delete(key);
    }
    const response = internal.response;
    if (!response || !("result" in response)) {
      throw new BridgeError("session_lost", "Server refused to re-initialize the session");
    }
    const misfit = checkReinitialized(initialize.result, response.result);
    if (misfit) throw misfit;
    await this.#post(
      endpoint,
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      signal,
    );
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
    const records = readSseEvents(response.body, { maxEventBytes: this.#maxMessageBytes, signal });
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
        } else if (record.type === "event") await this.#handleEvent(record.data, record.event);
      }
    } catch (error) {
      await records.return(undefined);
      if (signal.aborted) throw signal.reason;
      throw error;
    }
    const task = this.#readStream(records, signal);
    this.#streamTasks.add(task);
    task.finally(() => this.#streamTasks.delete(task));
    return endpoint;
  }

  async #readStream(
    records: AsyncGenerator<SseRecord, void, undefined>,
    signal: AbortSignal,
  ): Promise<void> {
    let failure: BridgeError | undefined;
    let progressed = false;
    try {
      for await (const record of records) {
        if (record.type !== "event") continue;
        progressed = true;
        await this.#handleEvent(record.data, record.event);
      }
    } catch (error) {
      if (error instanceof MessageTooLargeError) failure = error;
      else if (!signal.aborted) {
        this.#log.debug(`HTTP+SSE stream interrupted: ${redactedMessage(error)}`);
      }
    }
    const lost = signal.aborted ? this.#closedError() : failure ??
      new BridgeError("stream_lost", "Server closed the HTTP+SSE stream", {
        hint: "The request was lost with the stream; retry it",
      });
    for (const waiter of this.#waiters.values()) waiter.reject(lost);
    this.#waiters.clear();
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
          await sleep(backoffDelay(failures, this.#reconnectDelayMs), signal);
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

  async #handleEvent(data: string, event: string | undefined): Promise<void> {
    if (event !== undefined && event !== "message") {
      this.#log.debug(`Ignoring an SSE event of type "${event}"`);
      return;
    }
    if (data.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.#log.warn("Ignoring an SSE event whose data is not valid JSON");
      return;
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    for (const item of items) {
      const checked = validateMessage(item);
      if (!checked.ok) {
        this.#log.warn(`Ignoring a message from the server: ${checked.reason}`);
        continue;
      }
      const raw = items.length === 1 ? data : JSON.stringify(item);
      const message = checked.message;
      if (!isResponse(message)) {
        await this.#emit(message, raw);
        continue;
      }
      if (message.id === null) {
        this.#log.warn("Server reported an error without a request id");
        continue;
      }
      const key = idKey(message.id);
      const waiter = this.#waiters.get(key);
      if (!waiter) {
        this.#log.warn(
          `Dropping a response to an unknown request (id ${JSON.stringify(message.id)})`,
        );
        continue;
      }
      this.#waiters.delete(key);
      if (waiter.internal) {
        waiter.internal.response = message;
        waiter.resolve();
        continue;
      }
      if (this.#initializeKeys.delete(key) && "result" in message) {
        const version = message.result.protocolVersion;
        if (typeof version === "string") this.#protocolVersion = version;
        if (this.#initialize) this.#initialize.result = message.result;
      }
      const pressure = this.#emit(message, raw);
      waiter.resolve();
      await pressure;
    }
  }

  /** Passes a message on; returns the handler's backpressure, if any. */
  #emit(message: JsonRpcMessage, raw: string): Promise<void> | undefined {
    const failed = (error: unknown) => {
      this.#log.error(`Message handler failed: ${redactedMessage(error)}`);
    };
    try {
      return this.#onMessage(message, raw)?.catch(failed);
    } catch (error) {
      failed(error);
      return undefined;
    }
  }

  async #post(endpoint: URL, body: string, signal: AbortSignal): Promise<void> {
    const response = await this.#fetchWithAuth(endpoint, { method: "POST", body }, signal);
    await discard(response);
    if (!response.ok) {
      throw new BridgeError(
        "http_error",
        `Server refused the message: HTTP ${response.status}`,
        { status: response.status },
      );
    }
  }
}

/** Creates a 2024-11-05 HTTP+SSE transport; the stream opens on the first send. */
export function createLegacySseTransport(options: LegacySseOptions): LegacySseTransport {
  return new LegacySseTransport(options);
}
