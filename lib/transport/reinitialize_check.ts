/**
 * Whether a re-created session still fits what the client was told: after the server forgot a
 * session (or the legacy stream had to be reopened), the bridge re-sends the client's
 * `initialize` by itself, and the new answer must keep the protocol version and every capability
 * the client saw in the first answer, or the client would rely on features that are gone. Pure.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#initialization
 */

import { BridgeError } from "../errors.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The dotted paths of `promised` (truthy leaves, present objects) missing from `offered`. */
export function missingCapabilities(promised: unknown, offered: unknown, prefix = ""): string[] {
  if (!isRecord(promised)) return [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(promised)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const other = isRecord(offered) ? offered[key] : undefined;
    if (isRecord(value)) {
      if (!isRecord(other)) missing.push(path);
      else missing.push(...missingCapabilities(value, other, path));
    } else if (value && !other) {
      missing.push(path);
    }
  }
  return missing;
}

/**
 * Checks the `result` of a bridge-sent re-initialization against the one the client received;
 * returns a `session_lost` BridgeError naming what changed, or undefined when it still fits.
 */
export function checkReinitialized(first: unknown, again: unknown): BridgeError | undefined {
  const before = isRecord(first) ? first : {};
  const after = isRecord(again) ? again : {};
  if (before.protocolVersion !== undefined && after.protocolVersion !== before.protocolVersion) {
    return new BridgeError(
      "session_lost",
      `Server negotiated another protocol version when re-initializing: "${
        String(after.protocolVersion)
      }" instead of "${String(before.protocolVersion)}"`,
      { hint: "The server changed under the running client; restart the client" },
    );
  }
  const missing = missingCapabilities(before.capabilities, after.capabilities);
  if (missing.length > 0) {
    return new BridgeError(
      "session_lost",
      `Server dropped capabilities when re-initializing: ${missing.join(", ")}`,
      {
        hint: "The server changed under the running client; restart the client",
        details: { missingCapabilities: missing },
      },
    );
  }
  return undefined;
}
