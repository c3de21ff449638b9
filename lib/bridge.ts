/**
 * PLACEHOLDER: the stdio relay.
 *
 * @module
 */
import { BridgeError } from "./errors.ts";
import type { ModeContext } from "./cli/context.ts";

/** Runs the stdio ⇄ server relay until stdin ends or a signal arrives. */
export function runBridge(_context: ModeContext): Promise<number> {
  return Promise.reject(new BridgeError("internal", "Proxy not implemented yet"));
}
