/**
 * The Streamable HTTP session (MCP 2025-03-26, 2025-06-18, 2025-11-25): one POST per message,
 * JSON or SSE answers relayed message by message as they arrive, the session id and protocol
 * version headers, the GET stream for server-initiated messages, resumption of dropped streams
 * with `Last-Event-ID`, transparent re-initialization when the server forgets the session,
 * bearer tokens on every request with one retry after a refusal, and DELETE on close. All
 * session and protocol-era rules live here, so a stateless transport can sit beside it. It
 * writes nothing anywhere: messages go to `onMessage`, diagnostics to the logger, and it never
 * logs a token or the session id.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 */

import {
  DEFAULT_RECONNECT_DELAY_MS,
  MAX_RECONNECT_DELAY_MS,
  MAX_RESUME_ATTEMPTS,
  MAX_SCOPE_STEP_UPS,
  SHUTDOWN_DELETE_TIMEOUT_MS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../constants.ts";
import { fetchFailureError } from "../fetch_failure.ts";
import { BridgeError } from "../errors.ts";
import {
  createBridgeId,
  idKey,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  validateMessage,
} from "../jsonrpc/message.ts";
import { type Logger, redactedMessage } from "../log.ts";
import { classifyResponse, type ResponseOutcome } from "./classify.ts";
import { readSseEvents, type SseEvent } from "./sse.ts";
import type {
  AuthChallenge,
  CredentialProvider,
  MessageHandler,
  SendOptions,
  Transport,
  TransportOptions,
} from "./types.ts";
import { discard } from "./discard.ts";
import { refusedPostHint } from "./endpoint_hint.ts";

/** The first protocol version that requires the `MCP-Protocol-Version` header (T-16). */
const PROTOCOL_HEADER_SINCE = "2025-06-18";
/** How many answered or abandoned request ids are remembered to drop late duplicates. */
const FINISHED_ID_MEMORY = 1_000;
/** How many event ids per stream are remembered to drop replayed duplicates. */
const SEEN_EVENT_MEMORY = 10_000;

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

/** Options of {@link createStreamableHttpSession}. */
export interface StreamableHttpOptions extends TransportOptions {
  /** Base delay before resuming a stream when the server sent no `retry`, in ms. */
  reconnectDelayMs?: number;
}

interface PendingRequest {
  readonly key: string;
  /** Bridge-owned: the response is kept, never passed to onMessage. */
  readonly internal: boolean;
  readonly isInitialize: boolean;
  settled: boolean;
  response?: JsonRpcResponse;
}

interface StreamCursor {
  lastEventId?: string;
  retryMs?: number;
  seen: Set<string>;
}

interface ExchangeContext {
  isInitialize: boolean;
  /** Whether a 404 may trigger re-initialization (never while re-initializing). */
  allowReinit: boolean;
  signal: AbortSignal;
  label: string;
}

function describe(message: JsonRpcMessage): string {
  if (isRequest(message)) return `${message.method} (id ${JSON.stringify(message.id)})`;
  if (isNotification(message)) return message.method;
  return `response (id ${JSON.stringify((message as JsonRpcResponse).id)})`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** The back-off before resume attempt `attempt` (1-based) when the server sent no `retry`. */
export function backoffDelay(attempt: number, baseMs = DEFAULT_RECONNECT_DELAY_MS): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_RECONNECT_DELAY_MS);
}

/** A Streamable HTTP session with one MCP server. Create it with {@link createStreamableHttpSession}. */
export class StreamableHttpSession implements Transport {
  readonly #url: URL;
  readonly #extraHeaders: ReadonlyArray<readonly [string, string]>;
  readonly #credentials: CredentialProvider;
  readonly #onMessage: MessageHandler;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;
  readonly #reconnectDelayMs: number;

  #sessionId: string | undefined;
  #protocolVersion: string | undefined;
  #initializeParams: Record<string, unknown> | undefined;
  #pending = new Map<string, PendingRequest>();
  #finished = new Set<string>();
  #tasks = new Set<Promise<unknown>>();
  #closer = new AbortController();
  #closed = false;
  #getWanted = false;
  #getController: AbortController | undefined;
  #getUnsupported = false;
  #reinitializing: Promise<void> | undefined;

  constructor(options: StreamableHttpOptions) {
    this.#url = options.url;
    this.#extraHeaders = options.headers;
    this.#credentials = options.credentials;
    this.#onMessage = options.onMessage;
    this.#fetch = options.fetch;
    this.#log = options.log;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS;
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
    return this.#getUnsupported;
  }

  /** Sends one message; for a request, resolves once its response was passed to onMessage. */
  send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closer.signal])
      : this.#closer.signal;
    const isInitialize = isRequest(message) && message.method === "initialize";
    if (isInitialize && !this.#initializeParams) {
      this.#initializeParams = (message as JsonRpcRequest).params ?? {};
    }
    const pending = isRequest(message)
      ? this.#trackRequest(message.id, { internal: false, isInitialize })
      : undefined;
    const body = options.raw ?? JSON.stringify(message);
    const context: ExchangeContext = {
      isInitialize,
      allowReinit: !isInitialize,
      signal,
      label: describe(message),
    };
    return this.#track((async () => {
      try {
        await this.#exchange(body, pending, context);
      } catch (error) {
        if (pending) this.#abandon(pending);
        throw this.#failure(error, signal);
      }
      if (isNotification(message) && message.method === "notifications/initialized") {
        this.#getWanted = true;
        this.#startGetStream();
      }
    })());
  }

  /** Ends the session: aborts every stream, then sends DELETE with the session id. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#getController?.abort();
    this.#closer.abort(this.#closedError());
    await Promise.allSettled([...this.#tasks]);
    if (this.#sessionId !== undefined) await this.#deleteSession();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- exchanges ------------------------------------------------------------------------

  async #exchange(
    body: string,
    pending: PendingRequest | undefined,
    context: ExchangeContext,
  ): Promise<void> {
    let authRetried = false;
    let stepUps = 0;
    let reinitialized = false;
    while (true) {
      const token = await this.#credentials.accessToken();
      const sentSessionId = context.isInitialize ? undefined : this.#sessionId;
      const headers = this.#headers({ token, post: true, isInitialize: context.isInitialize });
      const response = await this.#request("POST", headers, context.signal, body);
      const outcome = classifyResponse(response.status, response.headers, {
        hadSessionId: sentSessionId !== undefined,
        isInitialize: context.isInitialize,
      });
      this.#log.debug(`POST ${context.label}: HTTP ${response.status} (${outcome.kind})`);
      if (
        context.isInitialize &&
        (outcome.kind === "ok-json" || outcome.kind === "ok-sse")
      ) {
        const sessionId = response.headers.get("mcp-session-id");
        this.#sessionId = sessionId && /^[\x21-\x7e]+$/.test(sessionId) ? sessionId : undefined;
      }
      switch (outcome.kind) {
        case "accepted":
          await discard(response);
          if (pending) {
            throw new BridgeError(
              "protocol",
              "Server answered a request with 202 Accepted instead of a response",
              { status: response.status },
            );
          }
          return;
        case "ok-json":
          return await this.#readJsonBody(response, pending, context);
        case "ok-sse":
          return await this.#readPostStream(response, pending, context);
        case "bad-content-type":
          await discard(response);
          if (!pending) return;
          throw new BridgeError(
            "protocol",
            `Server answered with an unexpected content type: "${outcome.contentType}"`,
            { status: response.status },
          );
        case "unauthorized":
          await discard(response);
          if (authRetried) {
            throw new BridgeError(
              "auth_failed",
              "Server refused the renewed access token: HTTP 401",
              {
                status: 401,
              },
            );
          }
          authRetried = true;
          await this.#refuse(401, outcome.challenge, token);
          continue;
        case "insufficient-scope":
          await discard(response);
          if (stepUps >= MAX_SCOPE_STEP_UPS) {
            throw new BridgeError(
              "auth_failed",
              `Server still requires more scope after ${stepUps} step-up attempts: HTTP 403`,
              { status: 403 },
            );
          }
          stepUps++;
          await this.#refuse(403, outcome.challenge, token);
          continue;
        case "session-gone":
          await discard(response);
          if (!context.allowReinit || reinitialized) {
            throw new BridgeError("session_lost", "Server does not know the session: HTTP 404", {
              status: 404,
            });
          }
          reinitialized = true;
          await raceSignal(this.#reinitialize(sentSessionId!), context.signal);
          continue;
        case "legacy-signal":
          await discard(response);
          throw new LegacyTransportSignal(outcome.status, this.#url);
        case "forbidden":
        case "http-error":
          await discard(response);
          throw this.#httpError(outcome);
      }
    }
  }

  #httpError(outcome: ResponseOutcome & { kind: "forbidden" | "http-error" }): BridgeError {
    if (outcome.kind === "forbidden") {
      return new BridgeError("http_error", "Server refused the request: HTTP 403", {
        status: 403,
        hint: "The server denied access (not a missing scope); check its Origin and access rules",
      });
    }
    return new BridgeError("http_error", `Server answered with an HTTP error: ${outcome.status}`, {
      status: outcome.status,
    });
  }

  async #refuse(
    status: 401 | 403,
    challenge: AuthChallenge | undefined,
    rejectedToken: string | undefined,
  ): Promise<void> {
    this.#log.info(`Server refused authorization (HTTP ${status}); asking for a new token`);
    await this.#credentials.handleRefusal({
      status,
      challenge,
      rejectedToken,
      sessionEstablished: this.#protocolVersion !== undefined,
    });
  }

  async #request(
    method: "POST" | "GET" | "DELETE",
    headers: Headers,
    signal: AbortSignal,
    body?: string,
  ): Promise<Response> {
    try {
      return await this.#fetch(this.#url, { method, headers, body, signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof BridgeError) throw error; // e.g. a refused redirect
      throw fetchFailureError(error, this.#url);
    }
  }

  #headers(
    options: { token?: string; post?: boolean; isInitialize?: boolean; lastEventId?: string },
  ): Headers {
    const headers = new Headers();
    for (const [name, value] of this.#extraHeaders) headers.append(name, value);
    if (options.post) {
      headers.set("Accept", "application/json, text/event-stream");
      headers.set("Content-Type", "application/json");
    } else {
      headers.set("Accept", "text/event-stream");
    }
    if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
    if (!options.isInitialize) {
      if (this.#sessionId !== undefined) headers.set("Mcp-Session-Id", this.#sessionId);
      const version = this.#protocolVersion;
      if (version !== undefined && version >= PROTOCOL_HEADER_SINCE) {
        headers.set("MCP-Protocol-Version", version);
      }
    }
    if (options.lastEventId !== undefined) headers.set("Last-Event-ID", options.lastEventId);
    return headers;
  }

  // ---- bodies and streams -----------------------------------------------------------------

  async #readJsonBody(
    response: Response,
    pending: PendingRequest | undefined,
    context: ExchangeContext,
  ): Promise<void> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      throw new BridgeError(
        "stream_lost",
        `Connection broke while reading the server's answer: ${redactedMessage(error)}`,
        { cause: error },
      );
    }
    if (text.trim() === "" && !pending) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BridgeError("protocol", "Server sent a body that is not valid JSON", {
        status: response.status,
      });
    }
    if (Array.isArray(parsed)) {
      for (const item of parsed) this.#dispatchValue(item, JSON.stringify(item));
    } else {
      this.#dispatchValue(parsed, text);
    }
    if (pending && !pending.settled) {
      throw new BridgeError(
        "protocol",
        "Server's JSON answer did not contain the response to the request",
        { status: response.status },
      );
    }
  }

  async #readPostStream(
    response: Response,
    pending: PendingRequest | undefined,
    context: ExchangeContext,
  ): Promise<void> {
    const cursor: StreamCursor = { seen: new Set() };
    let body: ReadableStream<Uint8Array> | undefined = response.body ?? undefined;
    let attempts = 0;
    while (true) {
      const progressed = body ? await this.#pump(body, cursor, pending, context.signal) : false;
      if (context.signal.aborted) throw context.signal.reason;
      if (!pending || pending.settled) return;
      if (progressed) attempts = 0;
      if (cursor.lastEventId === undefined) {
        throw new BridgeError(
          "stream_lost",
          "Server closed the response stream before answering and gave no event id to resume from",
        );
      }
      attempts++;
      if (attempts > MAX_RESUME_ATTEMPTS) {
        throw new BridgeError(
          "stream_lost",
          `Cannot resume the response stream: no progress after ${MAX_RESUME_ATTEMPTS} attempts`,
        );
      }
      const wait = cursor.retryMs ?? backoffDelay(attempts, this.#reconnectDelayMs);
      this.#log.debug(`Response stream of ${context.label} ended early; resuming in ${wait} ms`);
      await sleep(wait, context.signal);
      body = await this.#openResumeStream(cursor.lastEventId, context);
    }
  }

  /** GET with Last-Event-ID; undefined on a network failure (retried), throws when refused. */
  async #openResumeStream(
    lastEventId: string,
    context: ExchangeContext,
  ): Promise<ReadableStream<Uint8Array> | undefined> {
    let authRetried = false;
    while (true) {
      const token = await this.#credentials.accessToken();
      const headers = this.#headers({ token, lastEventId });
      let response: Response;
      try {
        response = await this.#request("GET", headers, context.signal);
      } catch (error) {
        if (context.signal.aborted) throw context.signal.reason;
        this.#log.debug(`Resuming the stream failed: ${redactedMessage(error)}`);
        return undefined;
      }
      const outcome = classifyResponse(response.status, response.headers, {
        hadSessionId: this.#sessionId !== undefined,
        isInitialize: false,
      });
      this.#log.debug(`GET (resume ${context.label}): HTTP ${response.status} (${outcome.kind})`);
      if (outcome.kind === "ok-sse") return response.body ?? undefined;
      await discard(response);
      if (outcome.kind === "unauthorized" && !authRetried) {
        authRetried = true;
        await this.#refuse(401, outcome.challenge, token);
        continue;
      }
      throw new BridgeError(
        "stream_lost",
        `Cannot resume the response stream: server answered HTTP ${response.status}`,
        { status: response.status },
      );
    }
  }

  /** Reads SSE records until the stream ends, fails, or `pending` is answered. */
  async #pump(
    body: ReadableStream<Uint8Array>,
    cursor: StreamCursor,
    pending: PendingRequest | undefined,
    signal: AbortSignal,
  ): Promise<boolean> {
    let progressed = false;
    try {
      for await (const record of readSseEvents(body)) {
        if (record.type === "cursor") {
          if (record.id !== undefined) cursor.lastEventId = record.id;
          if (record.retry !== undefined) cursor.retryMs = record.retry;
          continue;
        }
        if (record.id !== undefined) {
          if (cursor.seen.has(record.id)) {
            this.#log.debug("Skipping an SSE event that was already received");
            continue;
          }
          cursor.seen.add(record.id);
          if (cursor.seen.size > SEEN_EVENT_MEMORY) {
            cursor.seen.delete(cursor.seen.values().next().value!);
          }
          cursor.lastEventId = record.id;
        }
        progressed = true;
        this.#handleEvent(record);
        if (pending?.settled) break;
      }
    } catch (error) {
      if (!signal.aborted) this.#log.debug(`Stream interrupted: ${redactedMessage(error)}`);
    }
    return progressed;
  }

  #handleEvent(event: SseEvent): void {
    if (event.event !== undefined && event.event !== "message") {
      this.#log.debug(`Ignoring an SSE event of type "${event.event}"`);
      return;
    }
    // A priming event (2025-11-25) has an id and empty data: a cursor, not a message.
    if (event.data.trim() === "") return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      this.#log.warn("Ignoring an SSE event whose data is not valid JSON");
      return;
    }
    if (Array.isArray(parsed)) {
      for (const item of parsed) this.#dispatchValue(item, JSON.stringify(item));
    } else {
      this.#dispatchValue(parsed, event.data);
    }
  }

  #dispatchValue(value: unknown, raw: string): void {
    const checked = validateMessage(value);
    if (!checked.ok) {
      this.#log.warn(`Ignoring a message from the server: ${checked.reason}`);
      return;
    }
    const message = checked.message;
    if (!isResponse(message)) {
      this.#emit(message, raw);
      return;
    }
    if (message.id === null) {
      const error = "error" in message ? message.error : undefined;
      this.#log.warn(`Server reported an error: ${error?.code} ${error?.message ?? ""}`);
      return;
    }
    const key = idKey(message.id);
    const pending = this.#pending.get(key);
    if (!pending) {
      if (this.#finished.has(key)) {
        this.#log.debug(`Dropping a late or repeated response (id ${JSON.stringify(message.id)})`);
      } else {
        this.#log.warn(
          `Dropping a response to an unknown request (id ${JSON.stringify(message.id)})`,
        );
      }
      return;
    }
    this.#pending.delete(key);
    this.#remember(key);
    pending.settled = true;
    if (pending.internal) {
      pending.response = message;
      return;
    }
    if (pending.isInitialize && "result" in message) {
      const version = message.result.protocolVersion;
      if (typeof version === "string") {
        this.#protocolVersion = version;
        if (!(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
          this.#log.warn(
            `Server negotiated a protocol version this bridge does not know: "${version}"`,
          );
        }
      }
    }
    this.#emit(message, raw);
  }

  #emit(message: JsonRpcMessage, raw: string): void {
    try {
      this.#onMessage(message, raw);
    } catch (error) {
      this.#log.error(`Message handler failed: ${redactedMessage(error)}`);
    }
  }

  // ---- the GET stream -------------------------------------------------------------------

  #startGetStream(): void {
    if (this.#closed || this.#getController || this.#getUnsupported) return;
    const controller = new AbortController();
    this.#getController = controller;
    const signal = AbortSignal.any([controller.signal, this.#closer.signal]);
    this.#track(
      this.#runGetStream(signal)
        .catch((error) => {
          if (!signal.aborted) this.#log.warn(`Server stream stopped: ${redactedMessage(error)}`);
        })
        .finally(() => {
          if (this.#getController === controller) this.#getController = undefined;
        }),
    );
  }

  #stopGetStream(): void {
    this.#getController?.abort();
    this.#getController = undefined;
  }

  async #runGetStream(signal: AbortSignal): Promise<void> {
    const cursor: StreamCursor = { seen: new Set() };
    let failures = 0;
    let quiet = 0;
    let authRetried = false;
    while (!signal.aborted) {
      const token = await this.#credentials.accessToken();
      const sentSessionId = this.#sessionId;
      const headers = this.#headers({ token, lastEventId: cursor.lastEventId });
      let response: Response;
      try {
        response = await this.#request("GET", headers, signal);
      } catch (error) {
        if (signal.aborted) return;
        failures++;
        if (failures > MAX_RESUME_ATTEMPTS) throw error;
        await sleep(backoffDelay(failures, this.#reconnectDelayMs), signal);
        continue;
      }
      const outcome = classifyResponse(response.status, response.headers, {
        hadSessionId: sentSessionId !== undefined,
        isInitialize: false,
      });
      this.#log.debug(`GET stream: HTTP ${response.status} (${outcome.kind})`);
      if (outcome.kind === "ok-sse") {
        failures = 0;
        authRetried = false;
        const progressed = response.body
          ? await this.#pump(response.body, cursor, undefined, signal)
          : false;
        if (signal.aborted) return;
        quiet = progressed ? 0 : quiet + 1;
        // The server's retry is a MUST; otherwise back off while the stream stays silent.
        const wait = cursor.retryMs ??
          (quiet === 0 ? 0 : backoffDelay(quiet, this.#reconnectDelayMs));
        this.#log.debug(`Server stream ended; reconnecting in ${wait} ms`);
        await sleep(wait, signal);
        continue;
      }
      await discard(response);
      switch (outcome.kind) {
        case "http-error":
          if (response.status === 405) {
            this.#getUnsupported = true;
            this.#log.debug("Server offers no stream for server-initiated messages (HTTP 405)");
            return;
          }
          break;
        case "unauthorized":
          if (authRetried) throw this.#authFailure();
          authRetried = true;
          await this.#refuse(401, outcome.challenge, token);
          continue;
        case "session-gone":
          this.#reinitialize(sentSessionId!).catch((error) => {
            if (!this.#closed) {
              this.#log.warn(`Cannot re-create the session: ${redactedMessage(error)}`);
            }
          });
          return;
      }
      failures++;
      if (failures > MAX_RESUME_ATTEMPTS) {
        throw new BridgeError("http_error", `Server stream refused: HTTP ${response.status}`, {
          status: response.status,
        });
      }
      await sleep(backoffDelay(failures, this.#reconnectDelayMs), signal);
    }
  }

  #authFailure(): BridgeError {
    return new BridgeError("auth_failed", "Server refused the renewed access token: HTTP 401", {
      status: 401,
    });
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
    if (this.#initializeParams === undefined) {
      throw new BridgeError(
        "session_lost",
        "Server forgot the session and no initialize request is known to re-create it",
        { status: 404 },
      );
    }
    this.#log.info("Server forgot the session (HTTP 404); re-initializing");
    this.#stopGetStream();
    this.#sessionId = undefined;
    const signal = this.#closer.signal;
    const id: JsonRpcId = createBridgeId("reinitialize");
    const initialize: JsonRpcRequest = {
      jsonrpc: "2.0",
      id,
      method: "initialize",
      params: this.#initializeParams,
    };
    const pending = this.#trackRequest(id, { internal: true, isInitialize: true });
    try {
      await this.#exchange(JSON.stringify(initialize), pending, {
        isInitialize: true,
        allowReinit: false,
        signal,
        label: "initialize (bridge)",
      });
      const response = pending.response;
      if (!response || !("result" in response)) {
        throw new BridgeError("session_lost", "Server refused to re-initialize the session");
      }
      const version = response.result.protocolVersion;
      if (this.#protocolVersion !== undefined && version !== this.#protocolVersion) {
        throw new BridgeError(
          "session_lost",
          `Server negotiated another protocol version when re-initializing: "${String(version)}"`,
        );
      }
      const initialized: JsonRpcNotification = {
        jsonrpc: "2.0",
        method: "notifications/initialized",
      };
      await this.#exchange(JSON.stringify(initialized), undefined, {
        isInitialize: false,
        allowReinit: false,
        signal,
        label: "notifications/initialized (bridge)",
      });
    } catch (error) {
      this.#abandon(pending);
      if (signal.aborted) throw signal.reason;
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
    this.#log.info("Session re-created");
    if (this.#getWanted) this.#startGetStream();
  }

  // ---- bookkeeping ------------------------------------------------------------------------

  #trackRequest(
    id: JsonRpcId,
    options: { internal: boolean; isInitialize: boolean },
  ): PendingRequest {
    const key = idKey(id);
    const pending: PendingRequest = { key, ...options, settled: false };
    this.#pending.set(key, pending);
    this.#finished.delete(key);
    return pending;
  }

  #abandon(pending: PendingRequest): void {
    if (this.#pending.get(pending.key) === pending) {
      this.#pending.delete(pending.key);
      this.#remember(pending.key);
    }
  }

  #remember(key: string): void {
    this.#finished.add(key);
    if (this.#finished.size > FINISHED_ID_MEMORY) {
      this.#finished.delete(this.#finished.values().next().value!);
    }
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#tasks.add(promise);
    const forget = () => this.#tasks.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  #closedError(): BridgeError {
    return new BridgeError("session_lost", "Connection to the server was closed", {
      hint: "The bridge is shutting down",
    });
  }

  #failure(error: unknown, signal: AbortSignal): unknown {
    if (signal.aborted) return signal.reason;
    return error;
  }

  async #deleteSession(): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException("DELETE timed out", "TimeoutError")),
      SHUTDOWN_DELETE_TIMEOUT_MS,
    );
    try {
      const token = await raceSignal(this.#credentials.accessToken(), controller.signal);
      const headers = this.#headers({ token });
      headers.delete("Accept");
      const response = await this.#fetch(this.#url, {
        method: "DELETE",
        headers,
        signal: controller.signal,
      });
      await discard(response);
      this.#log.debug(`DELETE session: HTTP ${response.status}`);
    } catch (error) {
      this.#log.debug(`DELETE session failed: ${redactedMessage(error)}`);
    } finally {
      clearTimeout(timer);
      this.#sessionId = undefined;
    }
  }
}

/** Creates a Streamable HTTP session; nothing is sent until the first {@link Transport.send}. */
export function createStreamableHttpSession(options: StreamableHttpOptions): StreamableHttpSession {
  return new StreamableHttpSession(options);
}
