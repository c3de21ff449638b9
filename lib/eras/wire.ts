/**
 * The vocabulary both eras share in the translation tables: the modern protocol version, the
 * reserved `_meta` keys of 2026-07-28, which era a stdio client speaks (read from its first
 * message) and small readers for results. Pure: no I/O.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning
 * @module
 */

import { MODERN_PROTOCOL_VERSION } from "../constants.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";

export { MODERN_PROTOCOL_VERSION };

/**
 * The reserved `_meta` keys of 2026-07-28 requests and results.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#_meta
 */
export const MetaKey = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  logLevel: "io.modelcontextprotocol/logLevel",
  serverInfo: "io.modelcontextprotocol/serverInfo",
  subscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

/** Which era a stdio client speaks: `legacy` = 2025-11-25 and older, `modern` = 2026-07-28. */
export type ClientEra = "legacy" | "modern";

/** Whether `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The request's `params._meta`, or an empty object. */
export function readMeta(params: unknown): Record<string, unknown> {
  return isRecord(params) && isRecord(params._meta) ? params._meta : {};
}

/** Whether `version` is a modern (per-request metadata) protocol version. */
export function isModernVersion(version: unknown): boolean {
  return typeof version === "string" && version >= MODERN_PROTOCOL_VERSION;
}

/**
 * The era of a stdio client, read from its first message: `initialize` means legacy;
 * `server/discover` or a `_meta` protocol version of 2026-07-28 or later means modern; anything
 * else says nothing yet (undefined).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/stdio#backward-compatibility
 */
export function detectClientEra(message: JsonRpcMessage): ClientEra | undefined {
  if (!("method" in message)) return undefined;
  if (message.method === "initialize") return "legacy";
  if (message.method === "server/discover") return "modern";
  if (isModernVersion(readMeta(message.params)[MetaKey.protocolVersion])) return "modern";
  return undefined;
}

/**
 * A result's `resultType`: absent means `complete` (legacy servers send none).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#resulttype
 */
export function readResultType(result: Record<string, unknown>): string {
  return typeof result.resultType === "string" ? result.resultType : "complete";
}
