/**
 * What the transports share about their own lifetime: the exchanges still running (so `close`
 * can wait for them), the off switch that aborts them, and the error an exchange gets once the
 * transport is closed. Pure bookkeeping; it sends nothing.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";

/**
 * Keeps `promise` in `tasks` until it settles, so `close` can wait for every exchange; `settled`
 * runs then too (e.g. to release the exchange's signal).
 */
export function trackTask<T>(
  tasks: Set<Promise<unknown>>,
  promise: Promise<T>,
  settled?: () => void,
): Promise<T> {
  tasks.add(promise);
  const forget = () => {
    tasks.delete(promise);
    settled?.();
  };
  promise.then(forget, forget);
  return promise;
}

/** One exchange's signal, and `release` for when the exchange ended. */
export interface ExchangeSignal {
  signal: AbortSignal;
  /** Stops following the caller's signal and forgets the exchange; call it once it ended. */
  release(): void;
}

/**
 * A transport's off switch: `signal` for its long-lived work, and a signal per exchange from
 * {@link TransportCloser.exchange} that also follows the caller's signal; `abort` ends them all.
 * The exchanges are kept in a set instead of each listening on `signal`: an event target's add
 * and remove scan its listeners, so a listener per exchange on one shared signal (or
 * `AbortSignal.any`, which also keeps weak references) costs more with every request in flight.
 */
export class TransportCloser {
  readonly #controller = new AbortController();
  readonly #exchanges = new Set<AbortController>();

  /** Aborted once the transport closes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The signal of one exchange: aborted by `callerSignal` or by {@link abort}. */
  exchange(callerSignal?: AbortSignal): ExchangeSignal {
    const controller = new AbortController();
    if (this.signal.aborted) controller.abort(this.signal.reason);
    else if (callerSignal?.aborted) controller.abort(callerSignal.reason);
    if (controller.signal.aborted) return { signal: controller.signal, release() {} };
    const follow = () => controller.abort(callerSignal!.reason);
    callerSignal?.addEventListener("abort", follow, { once: true });
    this.#exchanges.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        callerSignal?.removeEventListener("abort", follow);
        this.#exchanges.delete(controller);
      },
    };
  }

  /** Aborts the transport's signal and every exchange still running, with `reason`. */
  abort(reason: unknown): void {
    this.#controller.abort(reason);
    for (const controller of this.#exchanges) controller.abort(reason);
    this.#exchanges.clear();
  }
}

/** The error an exchange gets once its transport was closed (the bridge is shutting down). */
export function transportClosedError(): BridgeError {
  return new BridgeError("session_lost", "Connection to the server was closed", {
    hint: "The bridge is shutting down",
  });
}
