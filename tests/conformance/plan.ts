/**
 * What the conformance harness does for one scenario, decided from the scenario's name, its
 * context (`MCP_CONFORMANCE_CONTEXT`), the wire the suite speaks
 * (`MCP_CONFORMANCE_PROTOCOL_VERSION`) and the stdio era of the driver: the bridge's flags and
 * environment, the capabilities to declare, the tool calls to make, and the answers to give to
 * the server's input requests. Pure.
 *
 * @module
 */

/** The client id the suite's CIMD scenario expects to see at `/authorize`. */
export const CONFORMANCE_CLIENT_METADATA_URL =
  "https://conformance-test.local/client-metadata.json";

/** The modern protocol revision (per-request `_meta`, no handshake). */
export const MODERN_VERSION = "2026-07-28";

/** Which stdio era the harness speaks to the bridge. */
export type DriverEra = "2025" | "2026";

/** One tool call the harness makes. */
export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** How the bridge is started and what the harness accepts for one scenario. */
export interface ScenarioPlan {
  /** Extra bridge flags. */
  flags: string[];
  /** Extra bridge environment. */
  env: Record<string, string>;
  /** Declare the elicitation (and sampling) capability and answer their requests. */
  elicitation: boolean;
  /** The scenario expects the bridge to give up (answer with an error) rather than succeed. */
  expectRefusal: boolean;
  /** The tool calls the scenario prescribes; undefined means every listed tool with defaults. */
  toolCalls?: ToolCall[];
  /** The wire version the suite speaks, and so the one the 2026 driver asks for. */
  wire: string;
  /** The stdio era of the harness. */
  driver: DriverEra;
}

/** Scenarios in which the right behaviour is a JSON-RPC error from the bridge. */
const REFUSAL_SCENARIOS = new Set([
  "auth/scope-retry-limit",
  "auth/resource-mismatch",
  "auth/iss-supported-missing",
  "auth/iss-wrong-issuer",
  "auth/iss-unexpected",
  "auth/iss-normalized",
  "auth/metadata-issuer-mismatch",
]);

/** Tool arguments for the suite's tools that take any; other tools are called with `{}`. */
export const TOOL_ARGUMENTS: Readonly<Record<string, Record<string, unknown>>> = {
  add_numbers: { a: 5, b: 3 },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseToolCalls(value: unknown): ToolCall[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((call) => isObject(call) && typeof call.name === "string").map((call) => ({
    name: call.name as string,
    arguments: isObject(call.arguments) ? call.arguments : {},
  }));
}

/** Options of {@link planScenario} beyond the scenario and its context. */
export interface PlanOptions {
  /** `MCP_CONFORMANCE_PROTOCOL_VERSION` (default 2025-11-25). */
  wire?: string;
  /** The stdio era to drive the bridge in (default 2025). */
  driver?: DriverEra;
}

/** Derives the bridge flags and environment for a scenario from its name and context. */
export function planScenario(
  scenario: string,
  context: Readonly<Record<string, unknown>>,
  options: PlanOptions = {},
): ScenarioPlan {
  const wire = options.wire || "2025-11-25";
  const flags = ["--allow-http", "--log-level", "DEBUG"];
  const env: Record<string, string> = {};
  if (typeof context.client_id === "string") env.MCP_CLIENT_ID = context.client_id;
  if (typeof context.client_secret === "string") env.MCP_CLIENT_SECRET = context.client_secret;
  if (typeof context.private_key_pem === "string") {
    env.MCP_CLIENT_PRIVATE_KEY = context.private_key_pem;
  }
  if (scenario.startsWith("auth/client-credentials-")) flags.push("--client-credentials");
  if (scenario === "auth/basic-cimd") {
    flags.push("--client-metadata-url", CONFORMANCE_CLIENT_METADATA_URL);
  }
  if (typeof context.idp_issuer === "string") {
    flags.push("--idp-issuer", context.idp_issuer);
    if (typeof context.idp_client_id === "string") {
      flags.push("--idp-client-id", context.idp_client_id);
    }
    if (typeof context.idp_id_token === "string") env.MCP_CLIENT_ID_TOKEN = context.idp_id_token;
  }
  return {
    flags,
    env,
    elicitation: scenario.startsWith("elicitation-") || wire === MODERN_VERSION,
    expectRefusal: REFUSAL_SCENARIOS.has(scenario) || scenario === "http-invalid-tool-headers",
    // That scenario lists a tool it does not serve: it checks only that listing the tools does
    // not dereference a network `$ref` in its schema.
    toolCalls: scenario === "json-schema-ref-no-deref" ? [] : parseToolCalls(context.toolCalls),
    wire,
    driver: options.driver ?? "2025",
  };
}

/** Parses `MCP_CONFORMANCE_CONTEXT` (a JSON object) or returns `{}` when it is absent. */
export function parseContext(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === "") return {};
  const value: unknown = JSON.parse(text);
  if (!isObject(value)) throw new Error("MCP_CONFORMANCE_CONTEXT is not a JSON object");
  return value;
}

/** The content an elicitation answer carries: every property's `default` from the schema. */
export function elicitationDefaults(params: unknown): Record<string, unknown> {
  const schema = isObject(params) ? params.requestedSchema : undefined;
  const properties = isObject(schema) ? schema.properties : undefined;
  const content: Record<string, unknown> = {};
  if (!isObject(properties)) return content;
  for (const [name, property] of Object.entries(properties)) {
    if (isObject(property) && "default" in property) content[name] = property.default;
  }
  return content;
}

/**
 * The harness's answer to a server request (2025 era: a server→client request on stdio; 2026
 * era: one entry of an `input_required` result's `inputRequests`), or undefined when the
 * harness does not handle the method.
 */
export function answerInputRequest(
  method: string,
  params: unknown,
  plan: Pick<ScenarioPlan, "elicitation">,
): Record<string, unknown> | undefined {
  switch (method) {
    case "elicitation/create":
      return plan.elicitation
        ? { action: "accept", content: elicitationDefaults(params) }
        : undefined;
    case "sampling/createMessage":
      return plan.elicitation
        ? {
          role: "assistant",
          content: { type: "text", text: "conformance harness reply" },
          model: "conformance-harness",
          stopReason: "endTurn",
        }
        : undefined;
    case "roots/list":
      return { roots: [] };
    case "ping":
      return {};
    default:
      return undefined;
  }
}

/** The client capabilities the harness declares (sampling and roots only on the modern wire). */
export function clientCapabilities(
  plan: Pick<ScenarioPlan, "elicitation" | "wire">,
): Record<string, unknown> {
  if (!plan.elicitation) return {};
  return plan.wire === MODERN_VERSION
    ? { elicitation: {}, sampling: {}, roots: {} }
    : { elicitation: {} };
}
