/**
 * The 2026-07-28 transport: no handshake, no session, one POST per message. Every request's
 * headers are derived from its body (`MCP-Protocol-Version` from `_meta`, `Mcp-Method`,
 * `Mcp-Name`, `Mcp-Param-*` from the tool's `x-mcp-header` annotations, learnt from every
 * relayed `tools/list`); the answer (JSON, or an SSE stream of that request's notifications and
 * its result) is relayed as it arrives; the server's in-band errors on HTTP 400/404 are relayed
 * unchanged. There is no resumption in this era: a broken stream fails the request, or is sent
 * again under a new id when that is safe (see {@link REISSUED_METHODS}). It never sends a
 * session id, a GET, a DELETE or `Last-Event-ID`, writes nothing anywhere and never logs a token.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 */

import { MODERN_PROTOCOL_VERSION } from "../constants.ts";
import { BridgeError, JsonRpcCode } from "../errors.ts";
import { trackTask, transportClosedError, TransportCloser } from "./lifecycle.ts";
import {
  createBridgeId,
  isNotification,
  isRequest,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../jsonrpc/message.ts";
import type { Logger } from "../log.ts";
import type { ResponseOutcome } from "./classify.ts";
import { discard } from "./discard.ts";
import { MODERN_ERROR_CODES, type PreparedRequest, sendUntilDecided } from "./endpoint.ts";
import { buildRequestHeaders } from "./headers.ts";
import { describeMessage, InboundRouter, type PendingRequest, routeJsonAnswer } from "./inbound.ts";
import { paramHeaders, standardHeaders } from "./modern_headers.ts";
import { NO_ATTEMPTS } from "./next_action.ts";
import { createCursor, pumpSse } from "./resumable_stream.ts";
import { ToolHeaderCache } from "./tool_header_cache.ts";
import type { CredentialProvider, SendOptions, Transport, TransportOptions } from "./types.ts";

export { MODERN_PROTOCOL_VERSION };

/** The modern protocol versions this transport speaks, newest first. */
export const MODERN_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION];

/**
 * Requests that only read, so the bridge sends them again under a new id when their stream
 * breaks before the result (2026-07-28 has no resumption; the client MUST re-issue). Anything
 * else (`tools/call` above all) may have had an effect on the server: the bridge answers it
 * with a `stream_lost` error and leaves the decision to send it again to the client.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/changelog
 */
export const REISSUED_METHODS: ReadonlySet<string> = new Set([
  "server/discover",
  "tools/list",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "completion/complete",
  "tasks/get",
]);

/**
 * The error a server gets for a request the bridge cannot pass on to a client of the 2026-07-28
 * era (which receives no server→client requests: the era asks through `input_required`).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#receiving-messages
 */
export function refuseServerRequest(request: JsonRpcRequest, why: string): JsonRpcResponse {
  return {
    jsonrpc: "2.0",
    id: request.id,
    error: {
      code: JsonRpcCode.methodNotFound,
      message: `Cannot relay ${request.method} to a ${MODERN_PROTOCOL_VERSION} client: ${why}`,
    },
  };
}

/** The 2026-07-28 header-mismatch error (-32020). */
const HEADER_MISMATCH = -32020;

/** Options of {@link createStatelessTransport}. */
export interface StatelessOptions extends TransportOptions {
  /** Told the names of tools removed from a relayed `tools/list` for invalid annotations. */
  onToolsDropped?: (names: string[]) => void;
}

/** A 2026-07-28 connection. Create it with {@link createStatelessTransport}. */
export class StatelessTransport implements Transport {
  readonly #options: StatelessOptions;
  readonly #credentials: CredentialProvider;
  readonly #log: Logger;
  readonly #inbound: InboundRouter;
  readonly #tools = new ToolHeaderCache();
  readonly #closer = new TransportCloser();
  readonly #tasks = new Set<Promise<unknown>>();
  #closed = false;
  /** A request was answered: later refusals belong to a running connection. */
  #answered = false;

  constructor(options: StatelessOptions) {
    this.#options = options;
    this.#credentials = options.credentials;
    this.#log = options.log;
    this.#inbound = new InboundRouter({
      onMessage: (message, raw, origin) =>
        isRequest(message) ? this.#refuse(message) : options.onMessage(message, raw, origin),
      log: options.log,
    });
  }

  /** Always the modern version: there is no negotiation in this era. */
  get protocolVersion(): string {
    return MODERN_PROTOCOL_VERSION;
  }

  /**
   * Sends one message. A request resolves once its response was passed to onMessage (the
   * server's JSON-RPC errors included, whatever the HTTP status); `subscriptions/listen`
   * resolves when its stream ends with a result and rejects with `stream_lost` when it breaks.
   * `notifications/cancelled` is not sent: aborting the request's signal closes its stream,
   * which is the cancellation in this era.
   *
   * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/cancellation
   */
  send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) return Promise.reject(transportClosedError());
    if (isRequest(message)) {
      const { signal, release } = this.#closer.exchange(options.signal);
      return trackTask(this.#tasks, this.#request(message, options.raw, signal), release);
    }
    if (isNotification(message)) {
      if (message.method === "notifications/cancelled") return Promise.resolve();
      const { signal, release } = this.#closer.exchange(options.signal);
      return trackTask(this.#tasks, this.#notify(message, options.raw, signal), release);
    }
    this.#log.debug("Not relaying a response: a 2026-07-28 server sends no requests");
    return Promise.resolve();
  }

  /** Aborts every request in flight; there is no session to end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closer.abort(transportClosedError());
    await Promise.allSettled([...this.#tasks]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * A request on a response stream breaks the era's rules, and no client of this era may
   * receive one (stdio transport: the server MUST NOT write requests), so it is not passed on.
   * The server is answered with an error instead: the era has no client responses, but a server
   * that sends requests waits for one, and the call that carried it would wait with it.
   *
   * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#receiving-messages
   */
  #refuse(request: JsonRpcRequest): void {
    this.#log.warn(
      `Server sent a ${request.method} request on a ${MODERN_PROTOCOL_VERSION} response stream; ` +
        "answering it with an error (servers of this era ask with input_required)",
    );
    const answer = refuseServerRequest(request, "servers of this era ask with input_required");
    const sent = this.#post(answer, JSON.stringify(answer), undefined, this.#closer.signal).then(
      (outcome) => {
        if (outcome.kind === "error") throw outcome.error;
      },
    ).catch((error) => this.#log.debug(`Cannot answer the server: ${String(error)}`));
    trackTask(this.#tasks, sent);
  }

  async #notify(message: JsonRpcMessage, raw: string | undefined, signal: AbortSignal) {
    const answer = await this.#post(message, raw ?? JSON.stringify(message), undefined, signal);
    if (answer.kind === "error") throw answer.error;
  }

  async #request(request: JsonRpcRequest, raw: string | undefined, signal: AbortSignal) {
    const label = describeMessage(request);
    const learning = request.method === "tools/call" ? this.#learnTool(request, signal) : undefined;
    if (learning) await learning;
    let upstream = request;
    let body = raw ?? JSON.stringify(request);
    let headerRetry = false;
    let reissues = 0;
    while (true) {
      const pending = this.#inbound.track(upstream.id, { internal: true });
      const answer = await this.#post(upstream, body, pending, signal).catch((error) => {
        this.#inbound.abandon(pending, error);
        throw signal.aborted ? signal.reason : error;
      });
      if (answer.kind === "error") throw answer.error;
      const response = pending.response;
      if (response === undefined) {
        this.#inbound.abandon(pending);
        if (REISSUED_METHODS.has(request.method) && reissues < 1) {
          reissues++;
          this.#log.info(`Response stream of ${label} broke; sending it again with a new id`);
          upstream = { ...request, id: createBridgeId("reissue") };
          body = JSON.stringify(upstream);
          continue;
        }
        throw this.#brokenStream(request);
      }
      if (
        request.method === "tools/call" && !headerRetry && "error" in response &&
        response.error.code === HEADER_MISMATCH
      ) {
        // A tool's annotations may have changed since the list: list again, retry once.
        headerRetry = true;
        await this.#learnTool(request, signal, true);
        upstream = { ...request };
        body = JSON.stringify(upstream);
        continue;
      }
      return await this.#deliver(request, response, upstream === request ? pending.raw : undefined);
    }
  }

  /** Passes the response on under the client's id, filtering `tools/list` pages. */
  async #deliver(request: JsonRpcRequest, response: JsonRpcResponse, raw?: string) {
    let message: JsonRpcResponse = response.id === request.id
      ? response
      : { ...response, id: request.id };
    if (request.method === "tools/list" && "result" in message) {
      const learnt = this.#tools.learn(message.result);
      if (learnt.dropped.length > 0) {
        for (const tool of learnt.dropped) {
          this.#log.warn(`Removed tool "${tool.name}" from the tool list: ${tool.reason}`);
        }
        this.#options.onToolsDropped?.(learnt.dropped.map((tool) => tool.name));
        message = { ...message, result: learnt.result };
      }
    }
    const sameText = raw !== undefined && message === response;
    await this.#options.onMessage(message, sameText ? raw : undefined);
  }

  /**
   * Makes sure the annotations of the called tool are known: lists the tools (all pages) under
   * the bridge's own ids, with the `_meta` of the call, when the tool is unknown or `again`.
   * Returns undefined when the tool is known, so the call goes out without waiting a turn.
   */
  #learnTool(
    request: JsonRpcRequest,
    signal: AbortSignal,
    again = false,
  ): Promise<void> | undefined {
    const name = request.params?.name;
    if (typeof name !== "string" || (!again && this.#tools.has(name))) return undefined;
    return this.#listTools(name, request.params?._meta, signal, again);
  }

  async #listTools(name: string, meta: unknown, signal: AbortSignal, again: boolean) {
    if (again) this.#tools.clear();
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const params: Record<string, unknown> = {};
      if (meta !== undefined) params._meta = meta;
      if (cursor !== undefined) params.cursor = cursor;
      const list: JsonRpcRequest = {
        jsonrpc: "2.0",
        id: createBridgeId("tools"),
        method: "tools/list",
        params,
      };
      const pending = this.#inbound.track(list.id, { internal: true });
      try {
        const answer = await this.#post(list, JSON.stringify(list), pending, signal);
        if (answer.kind === "error") throw answer.error;
      } catch (error) {
        this.#inbound.abandon(pending, error);
        if (signal.aborted) throw signal.reason;
        this.#log.warn(`Cannot list the tools for their header annotations: ${String(error)}`);
        return;
      }
      const response = pending.response;
      if (!response || !("result" in response)) return;
      this.#tools.learn(response.result);
      const next = response.result.nextCursor;
      if (typeof next !== "string" || this.#tools.has(name)) return;
      cursor = next;
    }
  }

  /**
   * POSTs one message and reads its answer into the inbound router. Resolves with `ok`, or with
   * the error to fail with; the server's JSON-RPC error on an HTTP error settles `pending`.
   */
  async #post(
    message: JsonRpcMessage,
    body: string,
    pending: PendingRequest | undefined,
    signal: AbortSignal,
  ): Promise<{ kind: "ok" } | { kind: "error"; error: BridgeError }> {
    const label = describeMessage(message);
    const derived = standardHeaders(message, MODERN_PROTOCOL_VERSION);
    if (isRequest(message) && message.method === "tools/call") {
      const declarations = this.#tools.get(String(message.params?.name));
      if (declarations) derived.push(...paramHeaders(declarations, message.params?.arguments));
    }
    const decision = await sendUntilDecided({
      exchange: "post",
      attempts: NO_ATTEMPTS,
      fetch: this.#options.fetch,
      url: this.#options.url,
      credentials: this.#credentials,
      log: this.#log,
      sessionEstablished: () => this.#answered,
      expectsResponse: pending !== undefined,
      allowReinit: false,
      readErrorBody: { maxBytes: this.#options.maxMessageBytes },
      prepare: (token): PreparedRequest => {
        const headers = buildRequestHeaders({
          method: "post",
          extra: this.#options.headers,
          token,
        });
        for (const [name, value] of derived) headers[name.toLowerCase()] = value;
        return { method: "POST", headers, body, signal, label: `POST ${label}` };
      },
    });
    const { response, outcome, action, rpcError } = decision;
    if (action.kind === "deliver") {
      this.#answered = true;
      await this.#read(response, outcome, pending, signal);
      return { kind: "ok" };
    }
    if (rpcError && pending && action.kind === "fail" && action.error.kind === "http_error") {
      if (!MODERN_ERROR_CODES.has(rpcError.response.error.code) && response.status !== 404) {
        this.#log.debug(`${label}: server answered HTTP ${response.status} with a JSON-RPC error`);
      }
      await this.#inbound.routeErrorBody(pending, rpcError);
      return { kind: "ok" };
    }
    await discard(response);
    if (action.kind === "fail") return { kind: "error", error: action.error };
    return {
      kind: "error",
      error: new BridgeError("http_error", `Server refused ${label}: HTTP ${response.status}`, {
        status: response.status,
      }),
    };
  }

  async #read(
    response: Response,
    outcome: ResponseOutcome,
    pending: PendingRequest | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    if (outcome.kind === "ok-json") {
      const maxBytes = this.#options.maxMessageBytes;
      return await routeJsonAnswer(this.#inbound, response, { pending, signal, maxBytes });
    }
    if (outcome.kind !== "ok-sse" || !response.body) return await discard(response);
    await pumpSse(response.body, createCursor(), {
      onEvent: (event) => this.#inbound.routeSseEvent(event.data, event.event),
      isDone: () => pending === undefined || pending.settled,
      signal,
      log: this.#log,
      maxEventBytes: this.#options.maxMessageBytes,
    });
    if (signal.aborted) throw signal.reason;
  }

  #brokenStream(request: JsonRpcRequest): BridgeError {
    if (request.method === "subscriptions/listen") {
      return new BridgeError("stream_lost", "Server closed the listen stream without a result", {
        hint: "Listen again to keep receiving notifications",
        details: { method: request.method, resent: false },
      });
    }
    return new BridgeError(
      "stream_lost",
      `Server's answer to ${request.method} broke off before the result`,
      {
        hint: REISSUED_METHODS.has(request.method)
          ? "Sent again once without success; retry later"
          : "The request may or may not have taken effect on the server; check before sending it again",
        details: { method: request.method, resent: REISSUED_METHODS.has(request.method) },
      },
    );
  }
}

/** Creates a 2026-07-28 transport; nothing is sent until the first {@link Transport.send}. */
export function createStatelessTransport(options: StatelessOptions): StatelessTransport {
  return new StatelessTransport(options);
}
