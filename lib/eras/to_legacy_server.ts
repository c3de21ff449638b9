/**
 * A 2026-07-28 stdio client served by a server that speaks only 2025-11-25 or older: the bridge
 * runs the legacy session on the client's behalf. Presents the {@link Transport} contract to the
 * relay and drives the tables of `modern_client.ts` over a legacy session transport: `initialize`
 * from the first request's `_meta`, `server/discover` answered from the `InitializeResult`, each
 * server→client request on a call's stream parked and handed to the client as `input_required`
 * (the retry's `requestState` names it, its `inputResponses` answer it, and the original stream
 * keeps being read), `subscriptions/listen` fed from the session's unsolicited notifications.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr
 * @module
 */

import { abortable } from "../async.ts";
import { BridgeError, toBridgeError } from "../errors.ts";
import {
  createBridgeId,
  idKey,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../jsonrpc/message.ts";
import type { Logger } from "../log.ts";
import type { MessageHandler, MessageOrigin, SendOptions, Transport } from "../transport/types.ts";
import { MRTR_METHODS } from "./legacy_client.ts";
import {
  answerParkedRequest,
  classifyLegacyNotification,
  createDiscoverRefusal,
  createDiscoverResult,
  createInputRequired,
  createLegacyInitialize,
  honouredFilter,
  INPUT_METHODS,
  listenWants,
  mergeCapabilities,
  readEnvelope,
  tagForListen,
  toLegacyRequest,
  toModernResult,
} from "./modern_client.ts";
import { refuseServerRequest } from "../transport/stateless.ts";
import { UpstreamCalls } from "./upstream_calls.ts";
import { isRecord, MetaKey, MODERN_PROTOCOL_VERSION } from "./wire.ts";

/** Options shared by the translating transports. */
export interface TranslationOptions {
  /** Opens the transport toward the server with the handler for everything it sends. */
  upstream: (onMessage: MessageHandler) => Transport;
  /** Receives every message for the stdio client. */
  onMessage: MessageHandler;
  log: Logger;
}

type ExchangeEvent =
  | { kind: "response"; response: JsonRpcResponse }
  | { kind: "failed"; error: BridgeError }
  | { kind: "input"; request: JsonRpcRequest };

/** One legacy request in flight, answered to the client over one or more legs. */
interface Exchange {
  readonly method: string;
  readonly upstreamId: string;
  readonly controller: AbortController;
  /** The client request the next event answers; undefined between a leg and its retry. */
  clientId?: JsonRpcId;
  waiter?: (event: ExchangeEvent) => void;
  readonly queue: ExchangeEvent[];
}

interface Listen {
  readonly id: JsonRpcId;
  readonly filter: Record<string, unknown>;
  readonly end: () => void;
}

/** The transport a modern stdio client sees when the server speaks only the legacy era. */
export class LegacyServerTranslation implements Transport {
  readonly #upstream: Transport;
  readonly #calls = new UpstreamCalls();
  readonly #toClient: MessageHandler;
  readonly #log: Logger;
  #session: Promise<Record<string, unknown>> | undefined;
  #capabilities: Record<string, unknown> = {};
  #logLevel: string | undefined;
  readonly #exchanges = new Map<string, Exchange>();
  readonly #parked = new Map<string, { exchange: Exchange; request: JsonRpcRequest }>();
  readonly #listens = new Map<string, Listen>();
  #parkedCount = 0;

  constructor(options: TranslationOptions) {
    this.#toClient = options.onMessage;
    this.#log = options.log;
    this.#upstream = options.upstream((message, raw, origin) =>
      this.#fromServer(message, raw, origin)
    );
  }

  get protocolVersion(): string {
    return MODERN_PROTOCOL_VERSION;
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (isRequest(message)) return await this.#request(message, options.signal);
    if (isNotification(message) && message.method === "notifications/cancelled") {
      const requestId = isRecord(message.params) ? message.params.requestId : undefined;
      for (const exchange of this.#exchanges.values()) {
        if (exchange.clientId !== undefined && exchange.clientId === requestId) {
          await this.#cancel(exchange, message.params?.reason);
        }
      }
      return;
    }
    this.#log.debug(`Not relaying ${isResponse(message) ? "a response" : message.method}`);
  }

  async #request(request: JsonRpcRequest, signal?: AbortSignal): Promise<void> {
    const envelope = readEnvelope(request.params);
    if (request.method === "server/discover") {
      try {
        const initialize = await this.#open(envelope);
        this.#answer(request.id, createDiscoverResult(initialize));
      } catch (error) {
        const failure = toBridgeError(error);
        const versions = failure.details?.upstreamVersions;
        this.#toClient({
          jsonrpc: "2.0",
          id: request.id,
          error: createDiscoverRefusal(Array.isArray(versions) ? versions : [], failure.message),
        });
      }
      return;
    }
    const initialize = await this.#open(envelope);
    await this.#applyLogLevel(envelope.logLevel, initialize);
    if (request.method === "subscriptions/listen") {
      return await this.#listen(request, initialize, signal);
    }
    const { request: legacy, retry } = toLegacyRequest(request);
    if (retry?.requestState !== undefined && this.#parked.has(retry.requestState)) {
      const parked = this.#parked.get(retry.requestState)!;
      this.#parked.delete(retry.requestState);
      await this.#upstream.send(
        answerParkedRequest(parked.request.id, this.#keyOf(parked.request), retry.inputResponses),
      );
      return await this.#leg(parked.exchange, request.id, signal);
    }
    if (retry?.requestState !== undefined) {
      this.#toClient({
        jsonrpc: "2.0",
        id: request.id,
        error: {
          code: -32602,
          message: "Invalid params: requestState names no exchange the bridge holds",
        },
      });
      return;
    }
    const exchange: Exchange = {
      method: legacy.method,
      upstreamId: createBridgeId("call"),
      controller: new AbortController(),
      queue: [],
    };
    this.#exchanges.set(exchange.upstreamId, exchange);
    const upstreamRequest = { ...legacy, id: exchange.upstreamId };
    this.#calls.call(this.#upstream, upstreamRequest, exchange.controller.signal).then(
      (response) => this.#push(exchange, { kind: "response", response }),
      (error) => this.#push(exchange, { kind: "failed", error: toBridgeError(error) }),
    );
    await this.#leg(exchange, request.id, signal);
  }

  /** Opens the legacy session once, with the capabilities of the first request's `_meta`. */
  #open(envelope: ReturnType<typeof readEnvelope>): Promise<Record<string, unknown>> {
    this.#capabilities = mergeCapabilities(this.#capabilities, envelope.capabilities);
    this.#session ??= (async () => {
      const response = await this.#calls.call(
        this.#upstream,
        createLegacyInitialize(createBridgeId("initialize"), {
          ...envelope,
          capabilities: this.#capabilities,
        }),
      );
      if ("error" in response) {
        const supported = (response.error.data as { supported?: unknown } | undefined)?.supported;
        throw new BridgeError(
          "server_error",
          `Server refused initialize: ${response.error.code} ${response.error.message}`,
          {
            details: {
              upstreamVersions: Array.isArray(supported)
                ? supported.filter((version) => typeof version === "string")
                : [],
            },
          },
        );
      }
      await this.#upstream.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      return response.result;
    })();
    this.#session.catch(() => this.#session = undefined);
    return this.#session;
  }

  async #applyLogLevel(level: string | undefined, initialize: Record<string, unknown>) {
    if (level === undefined || level === this.#logLevel) return;
    this.#logLevel = level;
    const capabilities = isRecord(initialize.capabilities) ? initialize.capabilities : {};
    if (!isRecord(capabilities.logging)) return;
    const response = await this.#calls.call(this.#upstream, {
      jsonrpc: "2.0",
      id: createBridgeId("set-level"),
      method: "logging/setLevel",
      params: { level },
    });
    if ("error" in response) this.#log.debug(`Server refused logging/setLevel ${level}`);
  }

  /** Waits for the next event of `exchange` and hands it to the client as the answer to `clientId`. */
  async #leg(exchange: Exchange, clientId: JsonRpcId, signal?: AbortSignal): Promise<void> {
    exchange.clientId = clientId;
    const event = exchange.queue.shift() ?? await new Promise<ExchangeEvent>((resolve, reject) => {
      const onAbort = () => {
        exchange.waiter = undefined;
        reject(signal?.reason);
      };
      exchange.waiter = (next) => {
        exchange.waiter = undefined;
        signal?.removeEventListener("abort", onAbort);
        resolve(next);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    exchange.clientId = undefined;
    switch (event.kind) {
      case "response":
        this.#exchanges.delete(exchange.upstreamId);
        if ("error" in event.response) {
          this.#toClient({ jsonrpc: "2.0", id: clientId, error: event.response.error });
        } else this.#answer(clientId, toModernResult(exchange.method, event.response.result));
        return;
      case "failed":
        this.#exchanges.delete(exchange.upstreamId);
        throw event.error;
      case "input": {
        const state = createBridgeId(`parked:${++this.#parkedCount}`);
        this.#parked.set(state, { exchange, request: event.request });
        this.#answer(
          clientId,
          createInputRequired(this.#keyOf(event.request), event.request, state),
        );
      }
    }
  }

  #keyOf(request: JsonRpcRequest): string {
    return `${request.method}:${String(request.id)}`;
  }

  #push(exchange: Exchange, event: ExchangeEvent): void {
    if (exchange.waiter) exchange.waiter(event);
    else exchange.queue.push(event);
  }

  #answer(id: JsonRpcId, result: Record<string, unknown>): void {
    this.#toClient({ jsonrpc: "2.0", id, result });
  }

  async #cancel(exchange: Exchange, reason: unknown): Promise<void> {
    this.#exchanges.delete(exchange.upstreamId);
    for (const [state, parked] of this.#parked) {
      if (parked.exchange === exchange) this.#parked.delete(state);
    }
    exchange.controller.abort(new DOMException("Cancelled by the client", "AbortError"));
    await this.#upstream.send({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: {
        requestId: exchange.upstreamId,
        ...(typeof reason === "string" ? { reason } : {}),
      },
    }).catch(() => {});
  }

  async #listen(
    request: JsonRpcRequest,
    initialize: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<void> {
    const params = isRecord(request.params) ? request.params : {};
    const requested = isRecord(params.notifications) ? params.notifications : {};
    const capabilities = isRecord(initialize.capabilities) ? initialize.capabilities : {};
    const filter = honouredFilter(requested, capabilities);
    const uris = Array.isArray(filter.resourceSubscriptions) ? filter.resourceSubscriptions : [];
    for (const uri of uris) {
      await this.#calls.call(this.#upstream, {
        jsonrpc: "2.0",
        id: createBridgeId("subscribe"),
        method: "resources/subscribe",
        params: { uri },
      });
    }
    // Acknowledge only once the GET stream is open: a change made right after the
    // acknowledgement must not fall into the gap before the server knows the stream.
    await abortable(this.#upstream.serverStreamReady?.() ?? Promise.resolve(), signal);
    const key = idKey(request.id);
    const ended = new Promise<void>((resolve, reject) => {
      this.#listens.set(key, { id: request.id, filter, end: resolve });
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    this.#toClient(
      tagForListen(
        "notifications/subscriptions/acknowledged",
        { notifications: filter },
        request.id,
      ),
    );
    try {
      await ended;
      this.#answer(request.id, {
        resultType: "complete",
        _meta: { [MetaKey.subscriptionId]: request.id },
      });
    } finally {
      this.#listens.delete(key);
    }
  }

  #fromServer(message: JsonRpcMessage, raw?: string, origin?: MessageOrigin): void {
    if (this.#calls.take(message)) return;
    if (isRequest(message)) {
      if (message.method === "ping") {
        this.#reply({ jsonrpc: "2.0", id: message.id, result: {} });
        return;
      }
      const exchange = INPUT_METHODS.has(message.method) ? this.#attribute(origin) : undefined;
      if (exchange === undefined) {
        this.#reply(refuseServerRequest(
          message,
          "it is not tied to exactly one request of the client (2026-07-28 has no server→client requests)",
        ));
        return;
      }
      this.#push(exchange, { kind: "input", request: message });
      return;
    }
    if (!isNotification(message)) {
      this.#log.debug("Dropping a response for a request that is no longer waiting");
      return;
    }
    switch (classifyLegacyNotification(message.method)) {
      case "listen":
        for (const listen of this.#listens.values()) {
          if (listenWants(listen.filter, message.method, message.params)) {
            this.#toClient(tagForListen(message.method, message.params, listen.id));
          }
        }
        return;
      case "removed":
        return;
      case "log":
        if (this.#logLevel !== undefined) this.#toClient(message, raw);
        return;
      case "relay":
        this.#toClient(message, raw);
    }
  }

  /**
   * The exchange a server→client request belongs to: the request whose response stream carried
   * it, or else (a transport that cannot tell) the one multi round-trip call in flight.
   */
  #attribute(origin?: MessageOrigin): Exchange | undefined {
    if (origin !== undefined) {
      const exchange = typeof origin.requestId === "string"
        ? this.#exchanges.get(origin.requestId)
        : undefined;
      return exchange && MRTR_METHODS.has(exchange.method) ? exchange : undefined;
    }
    const candidates = [...this.#exchanges.values()].filter((e) => MRTR_METHODS.has(e.method));
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  #reply(response: JsonRpcResponse): void {
    this.#upstream.send(response).catch((error) => {
      this.#log.debug(`Cannot answer the server: ${toBridgeError(error).message}`);
    });
  }

  async close(): Promise<void> {
    for (const listen of this.#listens.values()) listen.end();
    for (const exchange of this.#exchanges.values()) {
      exchange.controller.abort(new DOMException("Shutting down", "AbortError"));
    }
    await this.#upstream.close();
  }
}
