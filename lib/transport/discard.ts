/**
 * Releasing a response body the caller does not read, so connections are reused and no resource
 * outlives the exchange.
 *
 * @module
 */

/** Cancels `response`'s body, ignoring a body that is already consumed or closed. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}
