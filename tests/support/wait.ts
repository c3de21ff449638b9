/**
 * Waiting on a condition instead of for a time: `waitUntil` re-checks a predicate until it holds,
 * `awaitWithin` awaits a promise that a condition resolves (a notification arrived, a server was
 * reached). The limit only turns a hang into a failure with a message; no test outcome depends
 * on it.
 *
 * @module
 */

import { withDeadline } from "../../lib/async.ts";

/** How long a wait may last before it fails the test instead of hanging CI, in ms. */
export const HANG_GUARD_MS = 20_000;

/**
 * Resolves once `condition()` is true; `refresh` (if any) runs before each check, e.g. to re-read
 * a file. Rejects naming `what` after `limitMs`, a hang guard only.
 */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  refresh?: () => Promise<void>,
  limitMs = HANG_GUARD_MS,
): Promise<void> {
  const giveUp = Date.now() + limitMs;
  while (true) {
    await refresh?.();
    if (condition()) return;
    if (Date.now() > giveUp) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Settles like `promise`; rejects naming `what` if it has not settled after `limitMs`, so a lost
 * notification fails the test with a message instead of hanging it (a hang guard only).
 */
export function awaitWithin<T>(
  promise: Promise<T>,
  what: string,
  limitMs = HANG_GUARD_MS,
): Promise<T> {
  return withDeadline(promise, {
    ms: limitMs,
    onTimeout: () => new Error(`Gave up waiting for ${what}`),
  });
}
