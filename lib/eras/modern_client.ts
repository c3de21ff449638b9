/**
 * Translation table for a 2026-07-28 stdio client talking to a server that speaks only
 * 2025-11-25 or older: the bridge runs the legacy session on the client's behalf. Here are the
 * pure parts: the `initialize` built from the client's `_meta`, the `DiscoverResult` built from
 * the `InitializeResult` (or the non-modern error when there is none), requests stripped of the
 * modern envelope, legacy results stamped as modern ones, and a legacy server→client request
 * turned into an `input_required` result whose `requestState` names the parked exchange.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#compatibility-matrix
 * @module
 */

import { JsonRpcCode } from "../errors.ts";
import type {
  JsonRpcErrorObject,
  JsonRpcId,
  JsonRpcRequest,
  JsonRpcResponse,
} from "../jsonrpc/message.ts";
import { LATEST_PROTOCOL_VERSION } from "../constants.ts";
import { isRecord, MetaKey, MODERN_PROTOCOL_VERSION, readMeta } from "./wire.ts";

/** The reserved `_meta` keys of a modern request, read once. */
export interface ModernEnvelope {
  protocolVersion?: string;
  capabilities: Record<string, unknown>;
  clientInfo?: Record<string, unknown>;
  logLevel?: string;
}

/** Reads the reserved keys of a modern request's `_meta`. */
export function readEnvelope(params: unknown): ModernEnvelope {
  const meta = readMeta(params);
  const version = meta[MetaKey.protocolVersion];
  const info = meta[MetaKey.clientInfo];
  const level = meta[MetaKey.logLevel];
  return {
    ...(typeof version === "string" ? { protocolVersion: version } : {}),
    capabilities: isRecord(meta[MetaKey.clientCapabilities])
      ? meta[MetaKey.clientCapabilities] as Record<string, unknown>
      : {},
    ...(isRecord(info) ? { clientInfo: info } : {}),
    ...(typeof level === "string" ? { logLevel: level } : {}),
  };
}

/** Merges two capability declarations: the union of their features (the later one wins inside). */
export function mergeCapabilities(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    out[key] = isRecord(out[key]) && isRecord(value) ? { ...out[key], ...value } : value;
  }
  return out;
}

/**
 * The `initialize` the bridge sends for a modern client: the newest legacy version, the
 * capabilities the client declared (minus `extensions`, unknown to the legacy era) and its
 * clientInfo.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#initialization
 */
export function createLegacyInitialize(id: JsonRpcId, envelope: ModernEnvelope): JsonRpcRequest {
  const { extensions: _dropped, ...capabilities } = envelope.capabilities;
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities,
      clientInfo: envelope.clientInfo ?? { name: "mcp-streamablehttp-client", version: "0" },
    },
  };
}

/**
 * The `DiscoverResult` for a modern client, from the legacy server's `InitializeResult`: the
 * modern version the bridge translates to, the capabilities (minus 2025 `tasks`), the
 * instructions, and `serverInfo` in the result's `_meta`. Never cached (`ttlMs` 0).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/server/discover
 */
export function createDiscoverResult(initialize: Record<string, unknown>): Record<string, unknown> {
  const { tasks: _dropped, ...capabilities } = isRecord(initialize.capabilities)
    ? initialize.capabilities
    : {};
  return {
    resultType: "complete",
    supportedVersions: [MODERN_PROTOCOL_VERSION],
    capabilities,
    ...(typeof initialize.instructions === "string"
      ? { instructions: initialize.instructions }
      : {}),
    ttlMs: 0,
    cacheScope: "private",
    ...(isRecord(initialize.serverInfo)
      ? { _meta: { [MetaKey.serverInfo]: initialize.serverInfo } }
      : {}),
  };
}

/**
 * The answer to `server/discover` when the bridge cannot run the legacy session for a modern
 * client: a non-modern error (never -32022) naming what the server speaks, so a client that
 * negotiates falls back to `initialize`.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/stdio#backward-compatibility
 */
export function createDiscoverRefusal(
  upstreamVersions: readonly string[],
  reason: string,
): JsonRpcErrorObject {
  const versions = upstreamVersions.length > 0 ? upstreamVersions.join(", ") : "a legacy version";
  return {
    code: JsonRpcCode.methodNotFound,
    message: `Method not found: server/discover (the server speaks MCP ${versions}; ${reason})`,
    data: {
      source: "mcp-streamablehttp-client",
      kind: "untranslatable",
      upstreamVersions: [...upstreamVersions],
      hint: "Use initialize (protocol version 2025-11-25 or older)",
    },
  };
}

const RESERVED_META_KEYS: ReadonlySet<string> = new Set([
  MetaKey.protocolVersion,
  MetaKey.clientCapabilities,
  MetaKey.clientInfo,
  MetaKey.logLevel,
]);

/** The multi round-trip fields of a modern retry. */
export interface RetryFields {
  requestState?: string;
  inputResponses?: Record<string, unknown>;
}

/**
 * A modern request as the legacy server takes it: the reserved `_meta` keys removed (the
 * client's own, such as the progress token, kept) and the multi round-trip fields taken out.
 */
export function toLegacyRequest(request: JsonRpcRequest): {
  request: JsonRpcRequest;
  retry?: RetryFields;
} {
  const { _meta, requestState, inputResponses, ...params } = request.params ?? {};
  const meta = Object.fromEntries(
    Object.entries(isRecord(_meta) ? _meta : {}).filter(([key]) => !RESERVED_META_KEYS.has(key)),
  );
  if (Object.keys(meta).length > 0) params._meta = meta;
  const retry: RetryFields = {
    ...(typeof requestState === "string" ? { requestState } : {}),
    ...(isRecord(inputResponses) ? { inputResponses } : {}),
  };
  return {
    request: { ...request, params },
    ...(Object.keys(retry).length > 0 ? { retry } : {}),
  };
}

/** Methods whose modern results must say how long they may be cached. */
const CACHEABLE_METHODS: ReadonlySet<string> = new Set([
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
]);

/**
 * A legacy result as a modern client takes it: `resultType: "complete"`, and `ttlMs: 0` with a
 * `private` scope where 2026-07-28 requires cache fields (a legacy server promised nothing).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/server/utilities/caching
 */
export function toModernResult(
  method: string,
  result: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...result, resultType: "complete" };
  if (CACHEABLE_METHODS.has(method)) {
    out.ttlMs ??= 0;
    out.cacheScope ??= "private";
  }
  return out;
}

/** The legacy server→client requests a modern client can answer through `input_required`. */
export const INPUT_METHODS: ReadonlySet<string> = new Set([
  "elicitation/create",
  "sampling/createMessage",
  "roots/list",
]);

/**
 * The `input_required` result that hands a legacy server's request to a modern client: one
 * input request under `key`, and `requestState` naming the exchange the bridge holds open.
 * URL-mode elicitation loses its `elicitationId` (removed in 2026-07-28).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr
 */
export function createInputRequired(
  key: string,
  serverRequest: JsonRpcRequest,
  requestState: string,
): Record<string, unknown> {
  const { elicitationId: _dropped, _meta: _meta, ...params } = serverRequest.params ?? {};
  return {
    resultType: "input_required",
    inputRequests: { [key]: { method: serverRequest.method, params } },
    requestState,
  };
}

/**
 * The response the legacy server gets for its parked request, from the modern client's
 * `inputResponses[key]`; a missing answer is an error (the client did not provide it).
 */
export function answerParkedRequest(
  serverRequestId: JsonRpcId,
  key: string,
  inputResponses: Record<string, unknown> | undefined,
): JsonRpcResponse {
  const answer = inputResponses?.[key];
  if (!isRecord(answer)) {
    return {
      jsonrpc: "2.0",
      id: serverRequestId,
      error: {
        code: JsonRpcCode.invalidParams,
        message: `The client's retry carried no input response "${key}"`,
      },
    };
  }
  return { jsonrpc: "2.0", id: serverRequestId, result: answer };
}

/** Legacy server notifications and whether a modern client may receive them. */
export type LegacyNotificationKind =
  /** Only on a `subscriptions/listen` stream whose filter asks for it. */
  | "listen"
  /** Removed in 2026-07-28: never relayed. */
  | "removed"
  /** Only when the client asked for a log level. */
  | "log"
  /** Relayed as it is (progress, cancellation). */
  | "relay";

/** Classifies a notification from a legacy server for a modern client. */
export function classifyLegacyNotification(method: string): LegacyNotificationKind {
  switch (method) {
    case "notifications/tools/list_changed":
    case "notifications/prompts/list_changed":
    case "notifications/resources/list_changed":
    case "notifications/resources/updated":
      return "listen";
    case "notifications/elicitation/complete":
    case "notifications/tasks/status":
      return "removed";
    case "notifications/message":
      return "log";
    default:
      return "relay";
  }
}

/** Whether a listen filter asks for a legacy notification (with its params). */
export function listenWants(
  filter: Record<string, unknown>,
  method: string,
  params: unknown,
): boolean {
  switch (method) {
    case "notifications/tools/list_changed":
      return filter.toolsListChanged === true;
    case "notifications/prompts/list_changed":
      return filter.promptsListChanged === true;
    case "notifications/resources/list_changed":
      return filter.resourcesListChanged === true;
    case "notifications/resources/updated": {
      const uri = isRecord(params) ? params.uri : undefined;
      return Array.isArray(filter.resourceSubscriptions) &&
        filter.resourceSubscriptions.includes(uri);
    }
  }
  return false;
}

/** The filter a legacy server can honour: list changes it declared, subscriptions if it has them. */
export function honouredFilter(
  requested: Record<string, unknown>,
  capabilities: Record<string, unknown>,
): Record<string, unknown> {
  const declares = (feature: string, flag: string) =>
    isRecord(capabilities[feature]) && capabilities[feature][flag] === true;
  const out: Record<string, unknown> = {};
  if (requested.toolsListChanged === true && declares("tools", "listChanged")) {
    out.toolsListChanged = true;
  }
  if (requested.promptsListChanged === true && declares("prompts", "listChanged")) {
    out.promptsListChanged = true;
  }
  if (requested.resourcesListChanged === true && declares("resources", "listChanged")) {
    out.resourcesListChanged = true;
  }
  if (Array.isArray(requested.resourceSubscriptions) && declares("resources", "subscribe")) {
    out.resourceSubscriptions = requested.resourceSubscriptions.filter((uri) =>
      typeof uri === "string"
    );
  }
  return out;
}

/** Stamps a notification for a modern client's listen stream with its subscription id. */
export function tagForListen(
  method: string,
  params: Record<string, unknown> | undefined,
  subscriptionId: JsonRpcId,
): { jsonrpc: "2.0"; method: string; params: Record<string, unknown> } {
  const meta = readMeta(params);
  return {
    jsonrpc: "2.0",
    method,
    params: { ...(params ?? {}), _meta: { ...meta, [MetaKey.subscriptionId]: subscriptionId } },
  };
}
