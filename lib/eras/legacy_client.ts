/**
 * Translation table for a 2025-era stdio client (it sends `initialize`) talking to a 2026-07-28
 * server through the bridge: the `initialize` answer synthesized from `server/discover`, the
 * `_meta` stamped on every forwarded request, what the bridge answers itself because the modern
 * era removed it, what cannot be translated, and how a modern result is handed back. Pure: the
 * state goes in and comes out; no I/O, no clock, no randomness.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning
 * @module
 */

import { BridgeError, formatErrorObject, JsonRpcCode } from "../errors.ts";
import type {
  JsonRpcErrorObject,
  JsonRpcNotification,
  JsonRpcRequest,
} from "../jsonrpc/message.ts";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "../constants.ts";
import { isRecord, MetaKey, MODERN_PROTOCOL_VERSION, readMeta, readResultType } from "./wire.ts";

/** What the 2025-era client declared in its `initialize`. */
export interface LegacyClientHello {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo?: Record<string, unknown>;
}

/** The per-connection facts the table reads and updates. */
export interface LegacyClientState {
  /** The client's `initialize` params, once it sent them. */
  readonly hello?: LegacyClientHello;
  /** The `initialize` result the bridge gave, repeated for a repeated `initialize`. */
  readonly initializeResult?: Record<string, unknown>;
  /** The level of the client's last `logging/setLevel`, sent as `_meta` log level. */
  readonly logLevel?: string;
  /** Resource URIs the client subscribed to, in subscription order. */
  readonly resourceSubscriptions: readonly string[];
}

/** The state of a connection that has sent nothing yet. */
export const INITIAL_LEGACY_STATE: LegacyClientState = Object.freeze({
  resourceSubscriptions: Object.freeze([]) as readonly string[],
});

/** What to do with one request from the 2025-era client. */
export type LegacyRequestRoute =
  /** The first `initialize`: ask the server `server/discover`, then answer from it. */
  | { kind: "discover"; hello: LegacyClientHello; discover: JsonRpcRequest }
  /** Answered by the bridge; nothing goes upstream. */
  | { kind: "answer"; result: Record<string, unknown>; state: LegacyClientState }
  /** Sent upstream as `request` (same id, `_meta` stamped); `mrtr` when it may need input. */
  | { kind: "forward"; request: JsonRpcRequest; mrtr: boolean }
  /** Has no meaning toward a modern server; the client gets `error`. */
  | { kind: "refuse"; error: JsonRpcErrorObject };

/** What to do with one notification from the 2025-era client. */
export type LegacyNotificationRoute =
  /** The era removed it (`initialized`, `roots/list_changed` …); drop it. */
  | { kind: "drop"; reason: string }
  /** The client cancels one of its requests. */
  | { kind: "cancel"; requestId: string | number };

/** Methods whose result may be `input_required` (multi round-trip requests). */
export const MRTR_METHODS: ReadonlySet<string> = new Set([
  "tools/call",
  "prompts/get",
  "resources/read",
]);

/** Creates the `error` member for something the translation cannot carry across eras. */
export function createUntranslatableError(what: string, why: string): JsonRpcErrorObject {
  return formatErrorObject(
    new BridgeError(
      "untranslatable",
      `Cannot translate ${what} for a ${MODERN_PROTOCOL_VERSION} server: ${why}`,
    ),
  );
}

/** The legacy protocol version to answer `initialize` with: the client's when the bridge speaks it. */
export function chooseLegacyVersion(requested: unknown): string {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly unknown[]).includes(requested)
    ? requested as string
    : LATEST_PROTOCOL_VERSION;
}

/** Reads the `initialize` params a 2025-era client sent. */
export function readHello(params: unknown): LegacyClientHello {
  const p = isRecord(params) ? params : {};
  return {
    protocolVersion: typeof p.protocolVersion === "string" ? p.protocolVersion : "",
    capabilities: isRecord(p.capabilities) ? p.capabilities : {},
    ...(isRecord(p.clientInfo) ? { clientInfo: p.clientInfo } : {}),
  };
}

/**
 * The client capabilities a modern server is told about: the 2025 declaration minus what the
 * modern era dropped (`roots.listChanged`, core `tasks`).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#_meta
 */
export function toModernClientCapabilities(
  capabilities: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(capabilities)) {
    if (key === "tasks") continue;
    if (key === "roots" && isRecord(value)) {
      const { listChanged: _dropped, ...rest } = value;
      out.roots = rest;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * Adds the per-request `_meta` of 2026-07-28 to a request's params: protocol version, the
 * capabilities and clientInfo of the client's `initialize`, its log level. The client's own
 * `_meta` keys (progress token, trace context) are kept.
 */
export function stampMeta(
  params: Record<string, unknown> | undefined,
  state: LegacyClientState,
): Record<string, unknown> {
  const own = readMeta(params);
  const meta: Record<string, unknown> = {
    ...own,
    [MetaKey.protocolVersion]: MODERN_PROTOCOL_VERSION,
    [MetaKey.clientCapabilities]: toModernClientCapabilities(state.hello?.capabilities ?? {}),
  };
  if (state.hello?.clientInfo) meta[MetaKey.clientInfo] = state.hello.clientInfo;
  if (state.logLevel !== undefined) meta[MetaKey.logLevel] = state.logLevel;
  return { ...(params ?? {}), _meta: meta };
}

/** The `server/discover` request the bridge sends for the client's first `initialize`. */
export function createDiscoverRequest(
  id: string | number,
  state: LegacyClientState,
): JsonRpcRequest {
  return { jsonrpc: "2.0", id, method: "server/discover", params: stampMeta(undefined, state) };
}

/** Options of {@link synthesizeInitializeResult}. */
export interface SynthesizeOptions {
  /** The version the client asked for. */
  requestedVersion: unknown;
  /** Whether the bridge relays `list_changed` (through `subscriptions/listen`). */
  listChanged: boolean;
}

/**
 * Builds the `InitializeResult` a 2025-era client gets from a modern server's `DiscoverResult`:
 * `serverInfo` from the result's `_meta`, the capabilities minus `extensions` (a 2025 client has
 * none), `listChanged` only when the bridge relays it, `instructions` as they are.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/server/discover
 */
export function synthesizeInitializeResult(
  discover: Record<string, unknown>,
  options: SynthesizeOptions,
): Record<string, unknown> {
  const meta = readMeta({ _meta: discover._meta });
  const serverInfo = isRecord(meta[MetaKey.serverInfo])
    ? meta[MetaKey.serverInfo]
    : isRecord(discover.serverInfo)
    ? discover.serverInfo
    : { name: "unknown", version: "unknown" };
  const capabilities: Record<string, unknown> = {};
  const declared = isRecord(discover.capabilities) ? discover.capabilities : {};
  for (const [key, value] of Object.entries(declared)) {
    if (key === "extensions") continue;
    if (isRecord(value) && "listChanged" in value && !options.listChanged) {
      const { listChanged: _dropped, ...rest } = value;
      capabilities[key] = rest;
      continue;
    }
    capabilities[key] = value;
  }
  return {
    protocolVersion: chooseLegacyVersion(options.requestedVersion),
    capabilities,
    serverInfo,
    ...(typeof discover.instructions === "string" ? { instructions: discover.instructions } : {}),
  };
}

function subscriptionUri(params: unknown): string | undefined {
  return isRecord(params) && typeof params.uri === "string" ? params.uri : undefined;
}

/**
 * Routes one request of a 2025-era client: what the bridge answers itself (`ping`,
 * `logging/setLevel`, `resources/subscribe` / `unsubscribe`, a repeated `initialize`), what it
 * refuses (2025 tasks), and what it forwards with `_meta` stamped.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/changelog
 */
export function routeLegacyRequest(
  request: JsonRpcRequest,
  state: LegacyClientState,
  discoverId: string | number,
): LegacyRequestRoute {
  const answer = (next: LegacyClientState = state): LegacyRequestRoute => ({
    kind: "answer",
    result: {},
    state: next,
  });
  switch (request.method) {
    case "initialize": {
      if (state.initializeResult) {
        return { kind: "answer", result: state.initializeResult, state };
      }
      const hello = readHello(request.params);
      return {
        kind: "discover",
        hello,
        discover: createDiscoverRequest(discoverId, { ...state, hello }),
      };
    }
    case "ping":
      return answer();
    case "logging/setLevel": {
      const level = isRecord(request.params) ? request.params.level : undefined;
      if (typeof level !== "string") {
        return {
          kind: "refuse",
          error: { code: JsonRpcCode.invalidParams, message: "Invalid params: level is required" },
        };
      }
      return answer({ ...state, logLevel: level });
    }
    case "resources/subscribe":
    case "resources/unsubscribe": {
      const uri = subscriptionUri(request.params);
      if (uri === undefined) {
        return {
          kind: "refuse",
          error: { code: JsonRpcCode.invalidParams, message: "Invalid params: uri is required" },
        };
      }
      const rest = state.resourceSubscriptions.filter((known) => known !== uri);
      const next = request.method === "resources/subscribe" ? [...rest, uri] : rest;
      return answer({ ...state, resourceSubscriptions: next });
    }
  }
  if (request.method.startsWith("tasks/")) {
    return {
      kind: "refuse",
      error: createUntranslatableError(
        request.method,
        "2025 tasks have no counterpart (tasks are an extension with other methods in 2026-07-28)",
      ),
    };
  }
  if (isRecord(request.params) && isRecord(request.params.task)) {
    return {
      kind: "refuse",
      error: createUntranslatableError(
        `a task-augmented ${request.method}`,
        "2025 tasks have no counterpart in 2026-07-28",
      ),
    };
  }
  return {
    kind: "forward",
    request: { ...request, params: stampMeta(request.params, state) },
    mrtr: MRTR_METHODS.has(request.method),
  };
}

/** Routes one notification of a 2025-era client; a modern server takes none of them. */
export function routeLegacyNotification(
  notification: JsonRpcNotification,
): LegacyNotificationRoute {
  if (notification.method === "notifications/cancelled") {
    const requestId = isRecord(notification.params) ? notification.params.requestId : undefined;
    if (typeof requestId === "string" || typeof requestId === "number") {
      return { kind: "cancel", requestId };
    }
  }
  return {
    kind: "drop",
    reason: `${notification.method} has no counterpart in ${MODERN_PROTOCOL_VERSION}`,
  };
}

/** How a modern server's result is handed to a 2025-era client. */
export type ModernResultRoute =
  /** Final: relay `result` (without `resultType`). */
  | { kind: "complete"; result: Record<string, unknown> }
  /** The server needs input first (multi round-trip). */
  | {
    kind: "input_required";
    inputRequests: Record<string, unknown>;
    requestState?: string;
  }
  /** Cannot be handed to a 2025-era client. */
  | { kind: "invalid"; reason: string };

/**
 * Classifies a modern result for a 2025-era client: `complete` (or none, from a legacy server)
 * passes without `resultType`; `input_required` only for the multi round-trip methods and with
 * `inputRequests` or `requestState`; any other type (an extension such as `task`) cannot reach a
 * client that could not have declared the extension.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/index#resulttype
 */
export function classifyModernResult(
  method: string,
  result: Record<string, unknown>,
): ModernResultRoute {
  const type = readResultType(result);
  if (type === "complete") {
    const { resultType: _dropped, ...rest } = result;
    return { kind: "complete", result: rest };
  }
  if (type === "input_required" && MRTR_METHODS.has(method)) {
    const inputRequests = isRecord(result.inputRequests) ? result.inputRequests : {};
    const requestState = typeof result.requestState === "string" ? result.requestState : undefined;
    if (Object.keys(inputRequests).length === 0 && requestState === undefined) {
      return {
        kind: "invalid",
        reason: "input_required carries neither inputRequests nor requestState",
      };
    }
    return {
      kind: "input_required",
      inputRequests,
      ...(requestState === undefined ? {} : { requestState }),
    };
  }
  return {
    kind: "invalid",
    reason:
      `the server answered ${method} with resultType "${type}", which a 2025-era client cannot receive`,
  };
}
