/**
 * Multi round-trip requests for a 2025-era client: one `input_required` result becomes
 * server→client requests (elicitation, sampling, roots) written to stdio under ids from a
 * bridge-reserved space, their answers become `inputResponses`, and the original request is sent
 * again with a new id, the original params, this round's responses and `requestState` exactly as
 * received. Failures become the answer the client expects for that method. Pure: ids come from a
 * caller-supplied function.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr
 * @module
 */

import { JsonRpcCode } from "../errors.ts";
import type {
  JsonRpcErrorObject,
  JsonRpcId,
  JsonRpcRequest,
  JsonRpcResponse,
} from "../jsonrpc/message.ts";
import { isRecord } from "./wire.ts";

/** One embedded input request turned into a JSON-RPC request for the stdio client. */
export interface InputAsk {
  /** The key of the entry in `inputRequests`; its answer goes under the same key. */
  key: string;
  request: JsonRpcRequest;
}

/** What one `input_required` round asks of the client. */
export type InputPlan =
  | { kind: "ask"; asks: InputAsk[] }
  | { kind: "fail"; reason: string };

/** Which capability each embedded request needs from the client, by method. */
const NEEDED_CAPABILITY: Readonly<Record<string, string>> = {
  "elicitation/create": "elicitation",
  "sampling/createMessage": "sampling",
  "roots/list": "roots",
};

function elicitationMode(params: Record<string, unknown>): "form" | "url" {
  return params.mode === "url" ? "url" : "form";
}

function supportsElicitation(capability: unknown, mode: "form" | "url"): boolean {
  if (!isRecord(capability)) return false;
  // `elicitation: {}` is form only (2025-11-25 §Capabilities).
  if (Object.keys(capability).length === 0) return mode === "form";
  return isRecord(capability[mode]);
}

/**
 * Turns the `inputRequests` of one `input_required` result into requests for a 2025-era client,
 * checking each against the capabilities of its `initialize`. URL-mode elicitation gets the
 * `elicitationId` 2025-11-25 requires (the request's own id).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr#client-requirements
 */
export function planInputRound(
  inputRequests: Record<string, unknown>,
  capabilities: Record<string, unknown>,
  mintId: (key: string) => string,
): InputPlan {
  const asks: InputAsk[] = [];
  for (const [key, entry] of Object.entries(inputRequests)) {
    if (!isRecord(entry) || typeof entry.method !== "string") {
      return { kind: "fail", reason: `input request "${key}" is not a request` };
    }
    const feature = NEEDED_CAPABILITY[entry.method];
    if (feature === undefined) {
      return { kind: "fail", reason: `input request "${key}" uses unknown method ${entry.method}` };
    }
    const params = isRecord(entry.params) ? { ...entry.params } : {};
    const id = mintId(key);
    if (entry.method === "elicitation/create") {
      const mode = elicitationMode(params);
      if (!supportsElicitation(capabilities.elicitation, mode)) {
        return {
          kind: "fail",
          reason: `the server needs ${mode} elicitation, which the client did not declare`,
        };
      }
      if (mode === "url" && typeof params.elicitationId !== "string") params.elicitationId = id;
    } else if (!isRecord(capabilities[feature])) {
      return {
        kind: "fail",
        reason: `the server needs ${entry.method}, which the client did not declare (${feature})`,
      };
    }
    asks.push({ key, request: { jsonrpc: "2.0", id, method: entry.method, params } });
  }
  return { kind: "ask", asks };
}

/** The outcome of one round's answers. */
export type InputCollection =
  | { kind: "ok"; inputResponses: Record<string, unknown> }
  | { kind: "fail"; reason: string };

/**
 * Gathers the client's answers to one round. A declined or cancelled elicitation is an answer;
 * a JSON-RPC error is not and fails the request.
 */
export function collectInputResponses(
  asks: readonly InputAsk[],
  answers: ReadonlyMap<string, JsonRpcResponse>,
): InputCollection {
  const inputResponses: Record<string, unknown> = {};
  for (const ask of asks) {
    const answer = answers.get(ask.key);
    if (answer === undefined) return { kind: "fail", reason: `no answer to ${ask.request.method}` };
    if ("error" in answer) {
      return {
        kind: "fail",
        reason: `the client answered ${ask.request.method} with error ${answer.error.code}: ` +
          answer.error.message,
      };
    }
    inputResponses[ask.key] = answer.result;
  }
  return { kind: "ok", inputResponses };
}

/**
 * The retry of a multi round-trip request: a new id, the original params, this round's
 * responses (none when the round asked nothing) and `requestState` as received, if any.
 */
export function buildRetryRequest(
  original: JsonRpcRequest,
  id: JsonRpcId,
  inputResponses: Record<string, unknown> | undefined,
  requestState: string | undefined,
): JsonRpcRequest {
  const { inputResponses: _a, requestState: _b, ...params } = original.params ?? {};
  if (inputResponses !== undefined && Object.keys(inputResponses).length > 0) {
    params.inputResponses = inputResponses;
  }
  if (requestState !== undefined) params.requestState = requestState;
  return { jsonrpc: "2.0", id, method: original.method, params };
}

/**
 * The answer a 2025-era client gets when a multi round-trip request cannot finish: a tool result
 * with `isError` for `tools/call` (hosts show it to the model), a JSON-RPC error otherwise.
 */
export function createInputFailure(
  request: JsonRpcRequest,
  reason: string,
): { result: Record<string, unknown> } | { error: JsonRpcErrorObject } {
  const text = `Cannot complete ${request.method}: ${reason}`;
  if (request.method === "tools/call") {
    return { result: { content: [{ type: "text", text }], isError: true } };
  }
  return {
    error: {
      code: JsonRpcCode.internalError,
      message: text,
      data: { source: "mcp-streamablehttp-client", kind: "untranslatable" },
    },
  };
}

/** The reason given when a request still needs input after `maxRounds` rounds. */
export function roundCapReason(maxRounds: number): string {
  return `the server still required input after ${maxRounds} rounds`;
}
