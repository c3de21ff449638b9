/**
 * PLACEHOLDER owned by the OAuth commands helper: --token, --test-auth, --reset-auth and RFC 7592
 * client management.
 *
 * @module
 */
import { BridgeError } from "../errors.ts";
import type { Mode } from "./args.ts";
import type { ModeContext } from "./context.ts";

/** Runs one authentication command; resolves to the exit code. */
export function runAuthCommand(mode: Mode, _context: ModeContext): Promise<number> {
  return Promise.reject(new BridgeError("internal", `Mode not implemented yet: ${mode.kind}`));
}
