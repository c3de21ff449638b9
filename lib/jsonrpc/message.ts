/**
 * JSON-RPC 2.0 message types, guards and builders used on both legs of the bridge. Pure: no I/O.
 * Messages are relayed as received, so these types describe only what the bridge needs to route
 * them (ids and methods); everything else is carried through untouched.
 *
 * @module
 */

import { type BridgeError, formatErrorObject, JsonRpcCode } from "../errors.ts";

/** A JSON-RPC request id: a string or an integer, never null. */
export type JsonRpcId = string | number;

/** A request: has a method and an id. */
export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

/** A notification: has a method and no id. */
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}

/** The `error` member of an error response. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** A successful response. */
export interface JsonRpcResultResponse {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result: Record<string, unknown>;
}

/** An error response; `id` is null only when the request could not be read. */
export interface JsonRpcErrorResponse {
  jsonrpc: "2.0";
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

/** A response of either kind. */
export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;

/** Any single JSON-RPC message. */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `value` is a valid request id (string or integer). */
export function isJsonRpcId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
}

/** Whether `message` is a request. */
export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return "method" in message && "id" in message && message.id !== undefined;
}

/** Whether `message` is a notification. */
export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return "method" in message && !("id" in message && message.id !== undefined);
}

/** Whether `message` is a response (result or error). */
export function isResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !("method" in message) && ("result" in message || "error" in message);
}

/** Whether `message` is an error response. */
export function isErrorResponse(message: JsonRpcMessage): message is JsonRpcErrorResponse {
  return isResponse(message) && "error" in message;
}

/**
 * Checks the shape of one decoded JSON value; returns a message or a reason it is not one.
 * Unknown members are allowed and kept.
 */
export function validateMessage(
  value: unknown,
): { ok: true; message: JsonRpcMessage } | { ok: false; reason: string; id: JsonRpcId | null } {
  if (!isObject(value)) return { ok: false, reason: "message is not a JSON object", id: null };
  const id = isJsonRpcId(value.id) ? value.id : null;
  if (value.jsonrpc !== "2.0") return { ok: false, reason: 'jsonrpc must be "2.0"', id };
  // An error response may have a null id (the request's id could not be read).
  const nullIdError = value.id === null && "error" in value && !("method" in value);
  if ("id" in value && value.id !== undefined && !isJsonRpcId(value.id) && !nullIdError) {
    return { ok: false, reason: "id must be a string or an integer", id: null };
  }
  if ("method" in value) {
    if (typeof value.method !== "string" || value.method === "") {
      return { ok: false, reason: "method must be a non-empty string", id };
    }
    if ("params" in value && value.params !== undefined && typeof value.params !== "object") {
      return { ok: false, reason: "params must be an object or an array", id };
    }
    return { ok: true, message: value as unknown as JsonRpcMessage };
  }
  if (("result" in value) !== ("error" in value) && id !== null) {
    return { ok: true, message: value as unknown as JsonRpcMessage };
  }
  if ("error" in value && value.id === null) {
    return { ok: true, message: value as unknown as JsonRpcMessage };
  }
  return { ok: false, reason: "message is neither a request, a notification nor a response", id };
}

/** Builds an error response. */
export function createErrorResponse(
  id: JsonRpcId | null,
  error: JsonRpcErrorObject,
): JsonRpcErrorResponse {
  return { jsonrpc: "2.0", id, error };
}

/** Builds the error response the bridge writes for a request it could not complete. */
export function createBridgeErrorResponse(
  id: JsonRpcId | null,
  error: BridgeError,
): JsonRpcErrorResponse {
  return createErrorResponse(id, formatErrorObject(error));
}

/** The -32700 response for a stdin line that is not JSON. */
export function createParseErrorResponse(detail: string): JsonRpcErrorResponse {
  return createErrorResponse(null, {
    code: JsonRpcCode.parseError,
    message: `Parse error: ${detail}`,
    data: { source: "mcp-streamablehttp-client", kind: "parse_error" },
  });
}

/** The -32600 response for a stdin line that is JSON but not a JSON-RPC message. */
export function createInvalidRequestResponse(
  id: JsonRpcId | null,
  reason: string,
): JsonRpcErrorResponse {
  return createErrorResponse(id, {
    code: JsonRpcCode.invalidRequest,
    message: `Invalid request: ${reason}`,
    data: { source: "mcp-streamablehttp-client", kind: "invalid_request" },
  });
}

/** A prefix for ids of requests the bridge originates, so they never collide with the client's. */
export const BRIDGE_ID_PREFIX = "mcp-streamablehttp-client:";

/** Creates a bridge-owned request id. */
export function createBridgeId(label: string): string {
  return `${BRIDGE_ID_PREFIX}${label}:${crypto.randomUUID()}`;
}

/** Whether `id` was created by {@link createBridgeId}. */
export function isBridgeId(id: unknown): boolean {
  return typeof id === "string" && id.startsWith(BRIDGE_ID_PREFIX);
}

/** A stable map key for an id: `1` and `"1"` are different ids. */
export function idKey(id: JsonRpcId): string {
  return typeof id === "number" ? `n:${id}` : `s:${id}`;
}
