/**
 * Waiting on a condition instead of for a time: `waitUntil` re-checks a predicate until it holds.
 * The limit only turns a hang into a failure with a message; no test outcome depends on it.
 *
 * @module
 */

/**
 * Resolves once `condition()` is true; `refresh` (if any) runs before each check, e.g. to re-read
 * a file. Rejects naming `what` after `limitMs`, a hang guard only.
 */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  refresh?: () => Promise<void>,
  limitMs = 20_000,
): Promise<void> {
  const giveUp = Date.now() + limitMs;
  while (true) {
    await refresh?.();
    if (condition()) return;
    if (Date.now() > giveUp) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
