/**
 * What the session and stateless transports share about their own lifetime: the exchanges still
 * running (so `close` can wait for them) and the error an exchange gets once the transport is
 * closed. Pure bookkeeping; it sends nothing.
 *
 * @module
 */

import { type LinkedSignal, linkSignals } from "../async.ts";
import { BridgeError } from "../errors.ts";

/**
 * Keeps `promise` in `tasks` until it settles, so `close` can wait for every exchange; `settled`
 * runs then too (e.g. to release the exchange's linked signal).
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

/**
 * The signal of one exchange on a transport: the caller's signal (if any) linked with the
 * transport's closer, and what releases the link once the exchange ended.
 */
export function exchangeSignal(
  callerSignal: AbortSignal | undefined,
  closer: AbortSignal,
): LinkedSignal {
  return callerSignal ? linkSignals(callerSignal, closer) : { signal: closer, release() {} };
}

/** The error an exchange gets once its transport was closed (the bridge is shutting down). */
export function transportClosedError(): BridgeError {
  return new BridgeError("session_lost", "Connection to the server was closed", {
    hint: "The bridge is shutting down",
  });
}
