/**
 * PLACEHOLDER owned by the transport helper: builds the fetch used for every request to the
 * server and the authorization server (custom CA, proxies).
 *
 * @module
 */
import type { Settings } from "../config/settings.ts";

/** Returns the fetch to use for `settings`. */
export function createHttpFetch(_settings: Readonly<Settings>): Promise<typeof fetch> {
  return Promise.resolve(globalThis.fetch);
}
