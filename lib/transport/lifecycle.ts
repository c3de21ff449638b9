/**
 * What the session and stateless transports share about their own lifetime: the exchanges still
 * running (so `close` can wait for them) and the error an exchange gets once the transport is
 * closed. Pure bookkeeping; it sends nothing.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";

/** Keeps `promise` in `tasks` until it settles, so `close` can wait for every exchange. */
export function trackTask<T>(tasks: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
  tasks.add(promise);
  const forget = () => tasks.delete(promise);
  promise.then(forget, forget);
  return promise;
}

/** The error an exchange gets once its transport was closed (the bridge is shutting down). */
export function transportClosedError(): BridgeError {
  return new BridgeError("session_lost", "Connection to the server was closed", {
    hint: "The bridge is shutting down",
  });
}
