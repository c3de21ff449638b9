/**
 * A 2025-era stdio client (it sends `initialize`) served by a 2026-07-28 server. Presents the
 * {@link Transport} contract to the relay and drives the tables of `legacy_client.ts`,
 * `input_rounds.ts` and `listen.ts` over a 2026-07-28 transport: `initialize` answered from
 * `server/discover`, `_meta` stamped on every request, removed methods answered locally, each
 * `input_required` result turned into requests to the client and retried until complete (or the
 * round cap), and one `subscriptions/listen` stream kept open for what the client can receive.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr
 * @module
 */

import {
  DEFAULT_INPUT_ROUNDS,
  DEFAULT_RECONNECT_DELAY_MS,
  MAX_RECONNECT_DELAY_MS,
} from "../constants.ts";
import { JsonRpcCode, toBridgeError } from "../errors.ts";
import {
  createBridgeId,
  idKey,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../jsonrpc/message.ts";
import type { Logger } from "../log.ts";
import type { MessageHandler, SendOptions, Transport } from "../transport/types.ts";
import {
  buildRetryRequest,
  collectInputResponses,
  createInputFailure,
  type InputAsk,
  planInputRound,
  roundCapReason,
} from "./input_rounds.ts";
import {
  classifyModernResult,
  INITIAL_LEGACY_STATE,
  type LegacyClientState,
  routeLegacyNotification,
  routeLegacyRequest,
  stampMeta,
  synthesizeInitializeResult,
} from "./legacy_client.ts";
import {
  buildListenFilter,
  catchUpNotifications,
  type ListenFilter,
  routeListenNotification,
  sameListenFilter,
} from "./listen.ts";
import { UpstreamCalls } from "./upstream_calls.ts";
import { isRecord } from "./wire.ts";

/** Options of {@link ModernServerTranslation}. */
export interface ModernServerTranslationOptions {
  /** Opens the 2026-07-28 transport toward the server with the handler for what it sends. */
  upstream: (onMessage: MessageHandler) => Transport;
  /** Receives every message for the stdio client. */
  onMessage: MessageHandler;
  log: Logger;
  /** How many `input_required` rounds one request may take (default {@link DEFAULT_INPUT_ROUNDS}). */
  maxInputRounds?: number;
  /** Waits before reopening a dropped listen stream; injectable for tests. */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * The server's `server/discover` result from the era probe a moment ago: the first
   * `initialize` is answered from it, without asking the server again.
   */
  discovered?: Record<string, unknown>;
  /**
   * Whether list changes and resource updates are listened for (`subscriptions/listen`), as a
   * 2025 session's GET stream would carry them (default true).
   */
  listen?: boolean;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

interface ListenStream {
  readonly filter: ListenFilter;
  readonly controller: AbortController;
}

/** The transport a 2025-era stdio client sees when the server speaks 2026-07-28. */
export class ModernServerTranslation implements Transport {
  readonly #upstream: Transport;
  readonly #calls = new UpstreamCalls();
  readonly #toClient: MessageHandler;
  readonly #log: Logger;
  readonly #maxRounds: number;
  readonly #delay: (ms: number, signal: AbortSignal) => Promise<void>;
  #state: LegacyClientState = INITIAL_LEGACY_STATE;
  #serverCapabilities: Record<string, unknown> = {};
  readonly #asks = new Map<string, (response: JsonRpcResponse) => void>();
  #listen: ListenStream | undefined;
  #discovered: Record<string, unknown> | undefined;
  readonly #listensForChanges: boolean;
  readonly #listenLoops = new Set<Promise<void>>();
  #closed = false;

  constructor(options: ModernServerTranslationOptions) {
    this.#toClient = options.onMessage;
    this.#log = options.log;
    this.#maxRounds = options.maxInputRounds ?? DEFAULT_INPUT_ROUNDS;
    this.#delay = options.delay ?? abortableDelay;
    this.#discovered = options.discovered;
    this.#listensForChanges = options.listen ?? true;
    this.#upstream = options.upstream((message, raw) => this.#fromServer(message, raw));
  }

  get protocolVersion(): string | undefined {
    return this.#state.initializeResult?.protocolVersion as string | undefined;
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (isRequest(message)) return await this.#request(message, options);
    if (isResponse(message)) {
      const settle = message.id === null ? undefined : this.#asks.get(idKey(message.id));
      if (settle) settle(message);
      else this.#log.debug("Dropping a response to no request of the bridge");
      return;
    }
    const route = routeLegacyNotification(message);
    // Cancellation arrives as the abort of the request's signal (the relay aborts it first).
    if (route.kind === "drop") this.#log.debug(`Not relaying: ${route.reason}`);
  }

  async #request(request: JsonRpcRequest, options: SendOptions): Promise<void> {
    const signal = options.signal;
    const route = routeLegacyRequest(request, this.#state, createBridgeId("discover"));
    switch (route.kind) {
      case "answer": {
        this.#state = route.state;
        this.#toClient({ jsonrpc: "2.0", id: request.id, result: route.result });
        this.#relisten();
        return;
      }
      case "refuse":
        this.#toClient({ jsonrpc: "2.0", id: request.id, error: route.error });
        return;
      case "discover": {
        this.#state = { ...this.#state, hello: route.hello };
        const discovered = this.#discovered;
        this.#discovered = undefined;
        const response: JsonRpcResponse = discovered
          ? { jsonrpc: "2.0", id: route.discover.id, result: discovered }
          : await this.#calls.call(this.#upstream, route.discover, signal);
        if ("error" in response) {
          this.#toClient({ jsonrpc: "2.0", id: request.id, error: response.error });
          return;
        }
        const discover = response.result;
        this.#serverCapabilities = isRecord(discover.capabilities) ? discover.capabilities : {};
        const result = synthesizeInitializeResult(discover, {
          requestedVersion: route.hello.protocolVersion,
          listChanged: true,
        });
        this.#state = { ...this.#state, initializeResult: result };
        this.#toClient({ jsonrpc: "2.0", id: request.id, result });
        this.#relisten();
        return;
      }
      case "forward":
        return await this.#exchange(route.request, options);
    }
  }

  /** One request, retried with the client's input until the server's result is complete. */
  async #exchange(request: JsonRpcRequest, options: SendOptions): Promise<void> {
    const signal = options.signal;
    const answer = (body: { result: Record<string, unknown> } | { error: JsonRpcErrorObject }) =>
      this.#toClient({ jsonrpc: "2.0", id: request.id, ...body } as JsonRpcResponse);
    let leg: JsonRpcRequest = { ...request, id: createBridgeId("call") };
    for (let round = 0;; round++) {
      const response = await this.#calls.call(this.#upstream, leg, signal);
      if ("error" in response) return answer({ error: response.error });
      const route = classifyModernResult(request.method, response.result);
      if (route.kind === "complete") return answer({ result: route.result });
      if (route.kind === "invalid") {
        return answer({
          error: {
            code: JsonRpcCode.internalError,
            message: `Cannot relay the result: ${route.reason}`,
            data: { source: "mcp-streamablehttp-client", kind: "untranslatable" },
          },
        });
      }
      const fail = (reason: string) => answer(createInputFailure(request, reason));
      if (round >= this.#maxRounds) return fail(roundCapReason(this.#maxRounds));
      const plan = planInputRound(
        route.inputRequests,
        this.#state.hello?.capabilities ?? {},
        (key) => createBridgeId(`input:${key}`),
      );
      if (plan.kind === "fail") return fail(plan.reason);
      options.onWaitingForClient?.(true);
      const answers = await this.#ask(plan.asks, signal).finally(() =>
        options.onWaitingForClient?.(false)
      );
      const collected = collectInputResponses(plan.asks, answers);
      if (collected.kind === "fail") return fail(collected.reason);
      leg = buildRetryRequest(
        request,
        createBridgeId("call"),
        collected.inputResponses,
        route.requestState,
      );
    }
  }

  /** Sends one round's requests to the client and waits for every answer. */
  async #ask(
    asks: readonly InputAsk[],
    signal?: AbortSignal,
  ): Promise<Map<string, JsonRpcResponse>> {
    const answers = new Map<string, JsonRpcResponse>();
    const open = new Set(asks);
    const cancel = () => {
      for (const ask of open) {
        this.#asks.delete(idKey(ask.request.id));
        this.#toClient({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: {
            requestId: ask.request.id,
            reason: "The request that needed this input was cancelled",
          },
        });
      }
    };
    try {
      await Promise.all(asks.map((ask) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
          this.#asks.set(idKey(ask.request.id), (response) => {
            this.#asks.delete(idKey(ask.request.id));
            open.delete(ask);
            answers.set(ask.key, response);
            resolve();
          });
          this.#toClient(ask.request);
        })
      ));
    } catch (error) {
      cancel();
      throw error;
    }
    return answers;
  }

  /** Opens, replaces or ends the listen stream when what the client can receive changed. */
  #relisten(): void {
    if (!this.#listensForChanges || this.#closed || this.#state.initializeResult === undefined) {
      return;
    }
    const filter = buildListenFilter(this.#serverCapabilities, this.#state.resourceSubscriptions);
    if (sameListenFilter(filter, this.#listen?.filter)) return;
    this.#listen?.controller.abort(new DOMException("Listen filter changed", "AbortError"));
    this.#listen = undefined;
    if (filter === undefined) return;
    const controller = new AbortController();
    const loop = this.#listenLoop(filter, controller.signal);
    this.#listenLoops.add(loop);
    loop.finally(() => this.#listenLoops.delete(loop));
    this.#listen = { filter, controller };
  }

  async #listenLoop(filter: ListenFilter, signal: AbortSignal): Promise<void> {
    let delayMs = DEFAULT_RECONNECT_DELAY_MS;
    let reopened = false;
    while (!signal.aborted) {
      const id: JsonRpcId = createBridgeId("listen");
      const params = stampMeta({ notifications: filter }, this.#state);
      const started = this.#calls.call(this.#upstream, {
        jsonrpc: "2.0",
        id,
        method: "subscriptions/listen",
        params,
      }, signal);
      if (reopened) {
        for (const notification of catchUpNotifications(filter)) this.#toClient(notification);
      }
      try {
        const response = await started;
        if ("error" in response) {
          this.#log.warn(`Server refused subscriptions/listen: ${response.error.message}`);
          return;
        }
        delayMs = DEFAULT_RECONNECT_DELAY_MS;
      } catch (error) {
        if (signal.aborted) return;
        this.#log.debug(`Listen stream dropped: ${toBridgeError(error).message}`);
      }
      await this.#delay(delayMs, signal);
      delayMs = Math.min(delayMs * 2, MAX_RECONNECT_DELAY_MS);
      reopened = true;
    }
  }

  #fromServer(message: JsonRpcMessage, raw?: string): void {
    if (this.#calls.take(message)) return;
    if (!isNotification(message)) {
      this.#log.debug("Dropping a message a 2026-07-28 server may not send");
      return;
    }
    const route = routeListenNotification(message);
    if (route.kind === "acknowledged") {
      this.#log.debug(`Listening for ${JSON.stringify(route.honoured)}`);
      return;
    }
    this.#toClient(route.notification, route.notification === message ? raw : undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listen?.controller.abort(new DOMException("Shutting down", "AbortError"));
    await Promise.allSettled([...this.#listenLoops]);
    await this.#upstream.close();
  }
}
