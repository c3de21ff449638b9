/**
 * Book-keeping for requests relayed from the client that still owe an answer: their per-request
 * timeout (reset by progress notifications carrying the request's progress token), their abort
 * controller, and whether an answer was already written, so every request gets exactly one.
 *
 * @module
 */

import { idKey, type JsonRpcId, type JsonRpcRequest } from "./message.ts";

/** A request waiting for its response. */
export interface PendingRequest {
  id: JsonRpcId;
  method: string;
  progressToken?: string | number;
  /** Aborted on timeout or cancellation. */
  controller: AbortController;
}

/** What {@link PendingRequests.settle} found. */
export type SettleOutcome = "settled" | "unknown";

/** Options of {@link PendingRequests}. */
export interface PendingRequestsOptions {
  /** Called when a request's timer runs out; the request is already removed. */
  onTimeout(request: PendingRequest): void;
}

/** The set of in-flight requests with their timers. */
export class PendingRequests {
  #byId = new Map<
    string,
    { request: PendingRequest; timer?: ReturnType<typeof setTimeout>; timeoutMs: number }
  >();
  #byProgressToken = new Map<string | number, string>();
  #onTimeout: (request: PendingRequest) => void;
  #drained: (() => void)[] = [];

  constructor(options: PendingRequestsOptions) {
    this.#onTimeout = options.onTimeout;
  }

  /** How many requests are in flight. */
  get size(): number {
    return this.#byId.size;
  }

  /** Whether a request with `id` is in flight. */
  has(id: JsonRpcId): boolean {
    return this.#byId.has(idKey(id));
  }

  /** Starts tracking `message`; `timeoutMs` 0 means no timeout. */
  add(message: JsonRpcRequest, timeoutMs: number): PendingRequest {
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    const token = meta?.progressToken;
    const request: PendingRequest = {
      id: message.id,
      method: message.method,
      progressToken: typeof token === "string" || typeof token === "number" ? token : undefined,
      controller: new AbortController(),
    };
    const key = idKey(message.id);
    const entry = {
      request,
      timeoutMs,
      timer: undefined as ReturnType<typeof setTimeout> | undefined,
    };
    this.#byId.set(key, entry);
    if (request.progressToken !== undefined) this.#byProgressToken.set(request.progressToken, key);
    this.#arm(key);
    return request;
  }

  #arm(key: string): void {
    const entry = this.#byId.get(key);
    if (!entry || entry.timeoutMs <= 0) return;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (this.#remove(key)) this.#onTimeout(entry.request);
    }, entry.timeoutMs);
  }

  /** Restarts the timer of the request that owns `progressToken`. */
  touchProgress(progressToken: unknown): void {
    if (typeof progressToken !== "string" && typeof progressToken !== "number") return;
    const key = this.#byProgressToken.get(progressToken);
    if (key !== undefined) this.#arm(key);
  }

  /** Marks the request answered; "unknown" when it was not (or no longer) pending. */
  settle(id: JsonRpcId): SettleOutcome {
    return this.#remove(idKey(id)) ? "settled" : "unknown";
  }

  /** Returns the pending request with `id`, if any. */
  get(id: JsonRpcId): PendingRequest | undefined {
    return this.#byId.get(idKey(id))?.request;
  }

  #remove(key: string): boolean {
    const entry = this.#byId.get(key);
    if (!entry) return false;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.#byId.delete(key);
    if (entry.request.progressToken !== undefined) {
      this.#byProgressToken.delete(entry.request.progressToken);
    }
    if (this.#byId.size === 0) {
      for (const resolve of this.#drained.splice(0)) resolve();
    }
    return true;
  }

  /** Resolves when no request is pending (immediately when none is). */
  drained(): Promise<void> {
    if (this.#byId.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Stops every timer and aborts every request; returns what was pending. */
  abortAll(reason: unknown): PendingRequest[] {
    const requests = [...this.#byId.values()].map((entry) => entry.request);
    for (const key of [...this.#byId.keys()]) this.#remove(key);
    for (const request of requests) request.controller.abort(reason);
    return requests;
  }
}
