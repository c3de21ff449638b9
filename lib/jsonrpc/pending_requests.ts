/**
 * Book-keeping for requests relayed from the client that still owe an answer: their per-request
 * timeout (reset by progress notifications carrying the request's progress token), their abort
 * controller, and whether an answer was already written, so every request gets exactly one.
 *
 * @module
 */

import { realTimers, type Timers } from "../async.ts";
import { idKey, type JsonRpcId, type JsonRpcRequest } from "./message.ts";

/** A request waiting for its response. */
export interface PendingRequest<T = undefined> {
  id: JsonRpcId;
  method: string;
  progressToken?: string | number;
  /** Aborted on timeout or cancellation. */
  controller: AbortController;
  /** The timeout it was given, in ms; 0 means none. */
  timeoutMs: number;
  /** What the owner attached in {@link PendingRequests.add}. */
  data?: T;
}

/** What {@link PendingRequests.settle} found. */
export type SettleOutcome = "settled" | "unknown";

/** Options of {@link PendingRequests}. */
export interface PendingRequestsOptions<T> {
  /** Called when a request's timer runs out; the request is already removed. */
  onTimeout(request: PendingRequest<T>): void;
  /** The timers to use; the real ones by default. */
  timers?: Timers;
}

/** One tracked request and the time its timeout falls due (undefined: no timeout running). */
interface Entry<T> {
  request: PendingRequest<T>;
  deadline?: number;
}

/**
 * The set of in-flight requests with their timeouts; `T` is what each owner attaches. One timer
 * serves them all: it is set for the earliest deadline and, when it fires, times out what is due
 * and sets itself for the next, or stops when nothing has a deadline. Adding or answering a
 * request touches no timer unless it moves the earliest deadline forward (a timer per request,
 * set and cleared on every call, shows in the CPU per call). `abortAll` stops it.
 */
export class PendingRequests<T = undefined> {
  #byId = new Map<string, Entry<T>>();
  #byProgressToken = new Map<string | number, string>();
  #onTimeout: (request: PendingRequest<T>) => void;
  #timers: Timers;
  #held = false;
  #drained: (() => void)[] = [];
  #timer: unknown;
  /** When the running timer fires, on the timers' clock. */
  #timerAt = Infinity;

  constructor(options: PendingRequestsOptions<T>) {
    this.#onTimeout = options.onTimeout;
    this.#timers = options.timers ?? realTimers;
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
  add(message: JsonRpcRequest, timeoutMs: number, data?: T): PendingRequest<T> {
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    const token = meta?.progressToken;
    const request: PendingRequest<T> = {
      id: message.id,
      method: message.method,
      progressToken: typeof token === "string" || typeof token === "number" ? token : undefined,
      controller: new AbortController(),
      timeoutMs,
      ...(data === undefined ? {} : { data }),
    };
    const key = idKey(message.id);
    const entry: Entry<T> = { request };
    this.#byId.set(key, entry);
    if (request.progressToken !== undefined) this.#byProgressToken.set(request.progressToken, key);
    this.#arm(entry);
    return request;
  }

  /** Starts the entry's timeout in full (unless held or without one). */
  #arm(entry: Entry<T>): void {
    if (entry.request.timeoutMs <= 0 || this.#held) {
      entry.deadline = undefined;
      return;
    }
    const deadline = this.#timers.now() + entry.request.timeoutMs;
    entry.deadline = deadline;
    if (deadline < this.#timerAt) this.#schedule(deadline);
  }

  #schedule(at: number): void {
    this.#stopTimer();
    this.#timerAt = at;
    this.#timer = this.#timers.setTimeout(
      () => this.#fire(),
      Math.max(0, at - this.#timers.now()),
    );
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Times out every entry that is due, then sets the timer for the earliest deadline left. */
  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#timers.now();
    const due: [string, Entry<T>][] = [];
    for (const item of this.#byId) {
      if (item[1].deadline !== undefined && item[1].deadline <= now) due.push(item);
    }
    for (const [key, entry] of due) {
      if (this.#byId.get(key) !== entry) continue; // answered by an earlier handler
      this.#remove(key);
      this.#onTimeout(entry.request);
    }
    // A timeout handler may have added a request (and set the timer for it): the earliest
    // deadline left wins either way.
    let next = Infinity;
    for (const entry of this.#byId.values()) {
      if (entry.deadline !== undefined && entry.deadline < next) next = entry.deadline;
    }
    if (next < this.#timerAt) this.#schedule(next);
  }

  /**
   * Stops every timeout while `held` (a sign-in the requests wait for is running, bounded by its
   * own deadline); releasing restarts each with its full timeout.
   */
  hold(held: boolean): void {
    if (this.#held === held) return;
    this.#held = held;
    for (const entry of this.#byId.values()) this.#arm(entry);
  }

  /** The requests in flight, oldest first. */
  list(): PendingRequest<T>[] {
    return [...this.#byId.values()].map((entry) => entry.request);
  }

  /**
   * Stops (`waiting` true) or restarts in full (false) the timeout of request `id`, while its
   * answer waits on the client itself (a question the bridge put to it).
   */
  waitOnClient(id: JsonRpcId, waiting: boolean): void {
    const entry = this.#byId.get(idKey(id));
    if (!entry) return;
    if (waiting) entry.deadline = undefined;
    else this.#arm(entry);
  }

  /** Restarts the timeout of the request that owns `progressToken`; returns that request. */
  touchProgress(progressToken: unknown): PendingRequest<T> | undefined {
    if (typeof progressToken !== "string" && typeof progressToken !== "number") return undefined;
    const key = this.#byProgressToken.get(progressToken);
    const entry = key === undefined ? undefined : this.#byId.get(key);
    if (!entry) return undefined;
    this.#arm(entry);
    return entry.request;
  }

  /** Marks the request answered; "unknown" when it was not (or no longer) pending. */
  settle(id: JsonRpcId): SettleOutcome {
    return this.take(id) ? "settled" : "unknown";
  }

  /** Marks the request answered and returns it; undefined when it was not (or no longer) pending. */
  take(id: JsonRpcId): PendingRequest<T> | undefined {
    const key = idKey(id);
    const request = this.#byId.get(key)?.request;
    if (request) this.#remove(key);
    return request;
  }

  /** Returns the pending request with `id`, if any. */
  get(id: JsonRpcId): PendingRequest<T> | undefined {
    return this.#byId.get(idKey(id))?.request;
  }

  #remove(key: string): boolean {
    const entry = this.#byId.get(key);
    if (!entry) return false;
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

  /** Stops the timer and aborts every request; returns what was pending. */
  abortAll(reason: unknown): PendingRequest<T>[] {
    const requests = [...this.#byId.values()].map((entry) => entry.request);
    for (const key of [...this.#byId.keys()]) this.#remove(key);
    this.#stopTimer();
    for (const request of requests) request.controller.abort(reason);
    return requests;
  }
}
