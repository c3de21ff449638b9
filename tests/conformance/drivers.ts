/**
 * The two stdio clients of the conformance harness, each driving one scenario over an abstract
 * JSON-RPC channel to the bridge:
 * - the 2025-era client: `initialize`, `notifications/initialized`, `tools/list`, then
 *   `tools/call` of every listed tool (or of the calls the scenario prescribes); server requests
 *   arrive as stdio requests and are answered by the harness's reader;
 * - the 2026-era client (MCP 2026-07-28, used when the suite speaks that wire): no handshake,
 *   `server/discover` first, `_meta` with protocol version, capabilities and client info on every
 *   request, a retry with a version the server lists when it answers `-32022`, and the
 *   multi-round-trip loop itself: an `input_required` result is answered from its
 *   `inputRequests` and the call retried with a new id, `inputResponses` and the `requestState`
 *   echoed unchanged (omitted when there was none).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr
 * @module
 */

import {
  answerInputRequest,
  clientCapabilities,
  MODERN_VERSION,
  type ScenarioPlan,
  TOOL_ARGUMENTS,
  type ToolCall,
} from "./plan.ts";

/** A JSON-RPC answer as the harness received it. */
export interface RpcResponse {
  result?: unknown;
  error?: unknown;
}

/** The channel to the bridge. */
export interface Rpc {
  request(method: string, params: Record<string, unknown>): Promise<RpcResponse>;
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
}

/** A verdict-worthy failure of the bridge (as opposed to a bug in the harness). */
export class HarnessFailure extends Error {}

/** The harness's client info. */
export const CLIENT_INFO = { name: "mcp-shc-conformance-harness", version: "1.0.0" };

/** How many input rounds one 2026 tool call may take. */
const MAX_INPUT_ROUNDS = 8;
/** The JSON-RPC code of a modern server refusing the requested protocol version. */
const UNSUPPORTED_PROTOCOL_VERSION = -32022;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** The result of a response, or undefined when the scenario expects the bridge to refuse. */
function expectResult(plan: ScenarioPlan, method: string, response: RpcResponse): unknown {
  if (response.error !== undefined) {
    if (plan.expectRefusal) {
      console.error(`harness: ${method} refused as expected: ${JSON.stringify(response.error)}`);
      return undefined;
    }
    throw new HarnessFailure(`${method} answered with an error: ${JSON.stringify(response.error)}`);
  }
  if (!isObject(response.result)) throw new HarnessFailure(`${method} result is not an object`);
  return response.result;
}

function checkToolResult(name: string, called: Record<string, unknown>): void {
  if (called.isError === true) {
    throw new HarnessFailure(
      `tools/call ${name} returned isError: ${preview(JSON.stringify(called))}`,
    );
  }
  if (!Array.isArray(called.content)) {
    throw new HarnessFailure(`tools/call ${name} result has no content array`);
  }
}

function plannedCalls(plan: ScenarioPlan, listed: Record<string, unknown>): ToolCall[] {
  if (!Array.isArray(listed.tools)) throw new HarnessFailure("tools/list has no tools array");
  const names = listed.tools.map((tool) => {
    const name = isObject(tool) ? tool.name : undefined;
    if (typeof name !== "string") throw new HarnessFailure("a listed tool has no name");
    return name;
  });
  if (plan.toolCalls) return plan.toolCalls.filter((call) => names.includes(call.name));
  return names.map((name) => ({ name, arguments: TOOL_ARGUMENTS[name] ?? {} }));
}

/** The 2025-era client: handshake, list, call. */
async function drive2025(rpc: Rpc, plan: ScenarioPlan): Promise<void> {
  const initialized = expectResult(
    plan,
    "initialize",
    await rpc.request("initialize", {
      protocolVersion: "2025-11-25",
      capabilities: clientCapabilities(plan),
      clientInfo: CLIENT_INFO,
    }),
  );
  if (!isObject(initialized)) return;
  if (typeof initialized.protocolVersion !== "string") {
    throw new HarnessFailure("initialize result has no protocolVersion");
  }
  await rpc.notify("notifications/initialized");
  const listed = expectResult(plan, "tools/list", await rpc.request("tools/list", {}));
  if (!isObject(listed)) return;
  for (const call of plannedCalls(plan, listed)) {
    const called = expectResult(
      plan,
      `tools/call ${call.name}`,
      await rpc.request("tools/call", { name: call.name, arguments: call.arguments }),
    );
    if (isObject(called)) checkToolResult(call.name, called);
  }
}

/** The 2026-era client: discover, `_meta` everywhere, its own input rounds. */
async function drive2026(rpc: Rpc, plan: ScenarioPlan): Promise<void> {
  let version = plan.wire;
  const capabilities = clientCapabilities(plan);
  const request = async (method: string, params: Record<string, unknown>) => {
    for (let attempt = 0;; attempt++) {
      const meta = {
        ...(isObject(params._meta) ? params._meta : {}),
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
      };
      const response = await rpc.request(method, { ...params, _meta: meta });
      const error = response.error;
      const supported = isObject(error) && error.code === UNSUPPORTED_PROTOCOL_VERSION &&
          isObject(error.data) && Array.isArray(error.data.supported)
        ? error.data.supported
        : undefined;
      if (attempt > 0 || !supported?.includes(MODERN_VERSION)) return response;
      console.error(
        `harness: ${method} refused version ${version}; retrying with ${MODERN_VERSION}`,
      );
      version = MODERN_VERSION;
    }
  };

  const discovered = expectResult(plan, "server/discover", await request("server/discover", {}));
  if (!isObject(discovered)) return;
  if (!Array.isArray(discovered.supportedVersions)) {
    throw new HarnessFailure("server/discover result has no supportedVersions array");
  }
  const listed = expectResult(plan, "tools/list", await request("tools/list", {}));
  if (!isObject(listed)) return;
  for (const call of plannedCalls(plan, listed)) {
    const label = `tools/call ${call.name}`;
    let params: Record<string, unknown> = { name: call.name, arguments: call.arguments };
    for (let round = 0;; round++) {
      const result = expectResult(plan, label, await request("tools/call", params));
      if (!isObject(result)) break;
      const type = result.resultType ?? "complete";
      if (type === "complete") {
        checkToolResult(call.name, result);
        break;
      }
      if (type !== "input_required") {
        throw new HarnessFailure(
          `${label} answered an unknown resultType: ${JSON.stringify(type)}`,
        );
      }
      if (round >= MAX_INPUT_ROUNDS) {
        throw new HarnessFailure(`${label} still asked for input after ${MAX_INPUT_ROUNDS} rounds`);
      }
      if (!isObject(result.inputRequests)) {
        throw new HarnessFailure(`${label} input_required result has no inputRequests object`);
      }
      const inputResponses: Record<string, unknown> = {};
      for (const [key, input] of Object.entries(result.inputRequests)) {
        const method = isObject(input) && typeof input.method === "string" ? input.method : "";
        const answer = answerInputRequest(method, isObject(input) ? input.params : undefined, plan);
        if (!answer) throw new HarnessFailure(`${label} asked for unsupported input "${method}"`);
        inputResponses[key] = answer;
      }
      console.error(
        `harness: ${label} round ${round + 1}: answering ${Object.keys(inputResponses)}`,
      );
      params = { name: call.name, arguments: call.arguments, inputResponses };
      if (result.requestState !== undefined) params.requestState = result.requestState;
    }
  }
}

/** Drives one scenario in the plan's stdio era (2026 only where the suite speaks 2026-07-28). */
export function driveScenario(rpc: Rpc, plan: ScenarioPlan): Promise<void> {
  return plan.driver === "2026" && plan.wire === MODERN_VERSION
    ? drive2026(rpc, plan)
    : drive2025(rpc, plan);
}
