/**
 * Inbound message routing, shared by every transport: a JSON body or an SSE event's data turned
 * into validated JSON-RPC messages, each response matched to the request waiting for it (late
 * and repeated responses dropped), everything else passed to the message handler. It does no
 * I/O and never throws at the handler's caller; it knows nothing about HTTP or sessions.
 *
 * @module
 * @see https://www.jsonrpc.org/specification#response_object
 */

import { BridgeError } from "../errors.ts";
import {
  idKey,
  isErrorResponse,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcResponse,
  validateMessage,
} from "../jsonrpc/message.ts";
import { type Logger, redactedMessage } from "../log.ts";
import { readBodyText } from "./bounded_read.ts";
import { parseMediaType } from "./classify.ts";
import type { MessageHandler, MessageOrigin } from "./types.ts";

/** Names a message in log lines: method and id, never params. */
export function describeMessage(message: JsonRpcMessage): string {
  if (isRequest(message)) return `${message.method} (id ${JSON.stringify(message.id)})`;
  if (isNotification(message)) return message.method;
  return `response (id ${JSON.stringify((message as JsonRpcResponse).id)})`;
}

/** Whether `text` is empty or white space only, without copying a long text (as `trim` may). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return true;
}

/** How many answered or abandoned request ids are remembered to drop late duplicates. */
const FINISHED_ID_MEMORY = 1_000;

/** A request waiting for its response. */
export interface PendingRequest {
  readonly key: string;
  readonly id: JsonRpcId;
  /** Bridge-owned: the response is kept in `response`, never passed to the handler. */
  readonly internal: boolean;
  /** The request was `initialize`. */
  readonly isInitialize: boolean;
  /** The response arrived (or the request was abandoned). */
  settled: boolean;
  /** The response, once it arrived. */
  response?: JsonRpcResponse;
  /** The response's original text, once it arrived. */
  raw?: string;
  /** Resolves when the response arrived; rejects when the request failed or was abandoned. */
  readonly answered: Promise<JsonRpcResponse>;
}

interface PendingEntry extends PendingRequest {
  resolve(response: JsonRpcResponse): void;
  reject(error: unknown): void;
}

/** Options of {@link InboundRouter}. */
export interface InboundOptions {
  /** Receives every message that is not a bridge-owned response. */
  onMessage: MessageHandler;
  log: Logger;
  /** Sees each response before it is delivered, e.g. to read the negotiated version. */
  onResponse?: (pending: PendingRequest, response: JsonRpcResponse) => void;
}

/** Routes the server's messages to the waiting requests and the message handler. */
export class InboundRouter {
  readonly #options: InboundOptions;
  #pending = new Map<string, PendingEntry>();
  #finished = new Set<string>();

  constructor(options: InboundOptions) {
    this.#options = options;
  }

  /** Registers a request before it is sent. */
  track(
    id: JsonRpcId,
    options: { internal?: boolean; isInitialize?: boolean } = {},
  ): PendingRequest {
    const key = idKey(id);
    let resolve!: (response: JsonRpcResponse) => void;
    let reject!: (error: unknown) => void;
    const answered = new Promise<JsonRpcResponse>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    answered.catch(() => {});
    const entry: PendingEntry = {
      key,
      id,
      internal: options.internal ?? false,
      isInitialize: options.isInitialize ?? false,
      settled: false,
      answered,
      resolve,
      reject,
    };
    this.#pending.set(key, entry);
    this.#finished.delete(key);
    return entry;
  }

  /** Stops waiting for `pending`; a response that arrives later is dropped as late. */
  abandon(pending: PendingRequest, error?: unknown): void {
    const entry = this.#pending.get(pending.key);
    if (entry !== pending) return;
    this.#pending.delete(pending.key);
    this.#remember(pending.key);
    entry.settled = true;
    entry.reject(error ?? new BridgeError("session_lost", "Request abandoned"));
  }

  /** Fails every request still waiting (the stream that carries their answers ended). */
  failAll(error: unknown): void {
    for (const entry of [...this.#pending.values()]) this.abandon(entry, error);
  }

  /** How many requests are waiting. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Routes a whole JSON body (one message or, under 2025-03-26, an array). Throws a protocol
   * BridgeError when it is not JSON.
   */
  routeJsonBody(text: string, status?: number): Promise<void> | void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BridgeError("protocol", "Server sent a body that is not valid JSON", { status });
    }
    return this.#routeParsed(parsed, text);
  }

  /**
   * Routes the data of one SSE event. Events of another type than `message`, priming events
   * (empty data) and data that is not JSON are skipped with a log line.
   */
  routeSseEvent(data: string, event?: string, origin?: MessageOrigin): Promise<void> | void {
    if (event !== undefined && event !== "message") {
      this.#options.log.debug(`Ignoring an SSE event of type "${event}"`);
      return;
    }
    // A priming event (2025-11-25) has an id and empty data: a cursor, not a message.
    if (isBlank(data)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.#options.log.warn("Ignoring an SSE event whose data is not valid JSON");
      return;
    }
    return this.#routeParsed(parsed, data, origin);
  }

  #routeParsed(parsed: unknown, text: string, origin?: MessageOrigin): Promise<void> | void {
    if (!Array.isArray(parsed)) return this.routeValue(parsed, text, origin);
    const waits: Promise<void>[] = [];
    for (const item of parsed) {
      const wait = this.routeValue(item, JSON.stringify(item), origin);
      if (wait) waits.push(wait);
    }
    if (waits.length > 0) return Promise.all(waits).then(() => {});
  }

  /**
   * Routes one parsed value with its text. Returns the handler's promise, if it gave one
   * (backpressure: the caller reads no further until it settles).
   */
  routeValue(value: unknown, raw: string, origin?: MessageOrigin): Promise<void> | void {
    const log = this.#options.log;
    const checked = validateMessage(value);
    if (!checked.ok) {
      log.warn(`Ignoring a message from the server: ${checked.reason}`);
      return;
    }
    const message = checked.message;
    if (!isResponse(message)) return this.#emit(message, raw, origin);
    if (message.id === null) {
      const error = "error" in message ? message.error : undefined;
      log.warn(`Server reported an error: ${error?.code} ${error?.message ?? ""}`);
      return;
    }
    const key = idKey(message.id);
    const entry = this.#pending.get(key);
    if (!entry) {
      if (this.#finished.has(key)) {
        log.debug(`Dropping a late or repeated response (id ${JSON.stringify(message.id)})`);
      } else {
        log.warn(`Dropping a response to an unknown request (id ${JSON.stringify(message.id)})`);
      }
      return;
    }
    this.#pending.delete(key);
    this.#remember(key);
    entry.settled = true;
    entry.response = message;
    entry.raw = raw;
    this.#options.onResponse?.(entry, message);
    const wait = entry.internal ? undefined : this.#emit(message, raw);
    entry.resolve(message);
    return wait;
  }

  /**
   * Delivers the JSON-RPC error a server sent as the body of an HTTP error as the answer to
   * `pending` (under its id: servers often answer such errors with a null id).
   */
  routeErrorBody(pending: PendingRequest, body: RpcErrorBody): Promise<void> | void {
    const sameId = body.response.id !== null && idKey(body.response.id) === pending.key;
    const response = sameId ? body.response : { ...body.response, id: pending.id };
    return this.routeValue(response, sameId ? body.raw : JSON.stringify(response));
  }

  #emit(message: JsonRpcMessage, raw: string, origin?: MessageOrigin): Promise<void> | void {
    const failed = (error: unknown) =>
      this.#options.log.error(`Message handler failed: ${redactedMessage(error)}`);
    try {
      const wait = origin === undefined
        ? this.#options.onMessage(message, raw)
        : this.#options.onMessage(message, raw, origin);
      if (wait) return wait.catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  #remember(key: string): void {
    this.#finished.add(key);
    if (this.#finished.size > FINISHED_ID_MEMORY) {
      this.#finished.delete(this.#finished.values().next().value!);
    }
  }
}

/**
 * Reads a JSON answer to a POST (at most `maxBytes`) and routes it. Fails with `stream_lost`
 * when the connection breaks, with `protocol` when the body is too large, not JSON, or lacks
 * the response `pending` waits for.
 */
export async function routeJsonAnswer(
  router: InboundRouter,
  response: Response,
  options: { pending?: PendingRequest; signal: AbortSignal; maxBytes?: number },
): Promise<void> {
  const { pending, signal, maxBytes } = options;
  const text = await readBodyText(response, { signal, maxBytes });
  if (isBlank(text) && !pending) return;
  await router.routeJsonBody(text, response.status);
  if (pending && !pending.settled) {
    throw new BridgeError(
      "protocol",
      "Server's JSON answer did not contain the response to the request",
      { status: response.status },
    );
  }
}

/** A JSON-RPC error the server sent as the body of an HTTP error, with its text. */
export interface RpcErrorBody {
  response: JsonRpcErrorResponse;
  raw: string;
}

/**
 * Reads the body of an HTTP error answer and returns it when it is a JSON-RPC error response
 * (the server's own words: code, message, data); undefined for anything else. Never throws; the
 * body is consumed either way.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#error-codes
 */
export async function readRpcErrorBody(
  response: Response,
  maxBytes?: number,
): Promise<RpcErrorBody | undefined> {
  if (parseMediaType(response.headers.get("content-type")) !== "application/json") {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  try {
    return parseRpcErrorBody(await readBodyText(response, { maxBytes }));
  } catch {
    return undefined;
  }
}

/** `raw` as a JSON-RPC error response, or undefined when it is anything else. Never throws. */
export function parseRpcErrorBody(raw: string): RpcErrorBody | undefined {
  try {
    const checked = validateMessage(JSON.parse(raw));
    if (!checked.ok || !isErrorResponse(checked.message)) return undefined;
    return { response: checked.message, raw };
  } catch {
    return undefined;
  }
}
