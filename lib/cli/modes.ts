/**
 * PLACEHOLDER owned by the CLI helper: list, call, read, prompt and raw modes.
 *
 * @module
 */
import { BridgeError } from "../errors.ts";
import type { Mode } from "./args.ts";
import type { ModeContext } from "./context.ts";

/** Runs one client mode; resolves to the exit code. */
export function runClientMode(mode: Mode, _context: ModeContext): Promise<number> {
  return Promise.reject(new BridgeError("internal", `Mode not implemented yet: ${mode.kind}`));
}
