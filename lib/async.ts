/**
 * The program's only timer and abort races: a cancellable `sleep`, a promise raced against an
 * abort signal (`abortable`) and a promise raced against a deadline (`withDeadline`). Each
 * removes its timer and its abort listener as soon as it settles, so nothing keeps the process
 * alive and no listener piles up on a long-lived signal. No I/O; the work itself is never
 * cancelled here, only the wait for it (pass the same signal to the work to stop it).
 *
 * @module
 */

/** The timer functions, injectable so tests can run time forward instead of waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** The time on the timers' clock, in ms (monotonic; only differences matter). */
  now(): number;
}

/** The real timers. */
export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
  now: () => performance.now(),
};

/** The reason to reject with when `signal` aborted. */
function reasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** Resolves after `ms` milliseconds; rejects with the signal's reason if it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(reasonOf(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(reasonOf(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options of {@link withDeadline}. */
export interface DeadlineOptions {
  /** Milliseconds until the deadline. */
  ms: number;
  /** Gives up earlier when this aborts. */
  signal?: AbortSignal;
  /** The error to reject with at the deadline; a `TimeoutError` DOMException by default. */
  onTimeout?: () => unknown;
  /** The error to reject with on abort, given the signal's reason; the reason by default. */
  onAbort?: (reason: unknown) => unknown;
}

function race<T>(
  promise: Promise<T>,
  options: Partial<DeadlineOptions>,
): Promise<T> {
  const { ms, signal } = options;
  const onAbort = options.onAbort ?? ((reason: unknown) => reason);
  if (signal?.aborted) {
    // Nobody awaits `promise` now: its own rejection (a read of a body the same abort errored)
    // must not surface as an unhandled rejection.
    promise.catch(() => {});
    return Promise.reject(onAbort(reasonOf(signal)));
  }
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", aborted);
    };
    const aborted = () => {
      cleanup();
      reject(onAbort(reasonOf(signal!)));
    };
    if (ms !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        reject(
          options.onTimeout
            ? options.onTimeout()
            : new DOMException(`The operation timed out after ${ms} ms`, "TimeoutError"),
        );
      }, Math.max(0, ms));
    }
    signal?.addEventListener("abort", aborted, { once: true });
    promise.then((value) => {
      cleanup();
      resolve(value);
    }, (error) => {
      cleanup();
      reject(error);
    });
  });
}

/**
 * Settles like `promise`, or rejects when `signal` aborts first: with the signal's reason, or
 * with what `onAbort` makes of it.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  onAbort?: (reason: unknown) => unknown,
): Promise<T> {
  if (!signal) return promise;
  return race(promise, { signal, ...(onAbort ? { onAbort } : {}) });
}

/**
 * Settles like `promise`, or rejects at the deadline (`onTimeout`) or when `signal` aborts
 * first (`onAbort`). To wait at most `ms` for something that never rejects, catch the result:
 * `await withDeadline(drained, { ms }).catch(() => {})`.
 */
export function withDeadline<T>(promise: Promise<T>, options: DeadlineOptions): Promise<T> {
  return race(promise, options);
}
