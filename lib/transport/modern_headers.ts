/**
 * The 2026-07-28 request headers, derived from each message body: `MCP-Protocol-Version` (the
 * body's `_meta` version), `Mcp-Method`, `Mcp-Name`, and the `Mcp-Param-*` headers a tool's
 * `x-mcp-header` annotations ask for, with the spec's value encoding (`=?base64?…?=` for
 * anything that is not plain visible ASCII). Also the check that drops tools whose annotations
 * are invalid. Pure: no I/O, no state.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#standard-request-headers
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#custom-headers
 */

import type { JsonRpcMessage } from "../jsonrpc/message.ts";

/** The `_meta` key of a modern request's protocol version. */
export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";

/** The annotation on an `inputSchema` property that mirrors it into a header. */
export const X_MCP_HEADER = "x-mcp-header";

/** RFC 9110 §5.6.2 `token`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The only property types an `x-mcp-header` may annotate (not `number`). */
const HEADER_TYPES = new Set(["string", "integer", "boolean"]);

/** Keywords whose subschemas are not reachable through `properties` alone. */
const UNREACHABLE_KEYWORDS = [
  "items",
  "prefixItems",
  "contains",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "patternProperties",
  "dependentSchemas",
  "oneOf",
  "anyOf",
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "$defs",
  "definitions",
];

/** Keywords whose value maps names to subschemas. */
const NAMED_SUBSCHEMAS = new Set(["patternProperties", "dependentSchemas", "$defs", "definitions"]);

/** Methods whose `Mcp-Name` comes from a params field. */
const NAME_SOURCES: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/** One `x-mcp-header` annotation: where the value sits in the arguments, and the header name. */
export interface HeaderDeclaration {
  readonly path: readonly string[];
  readonly name: string;
}

/** The annotations of one tool, or why the tool must be dropped. */
export type ToolHeaderScan =
  | { valid: true; declarations: readonly HeaderDeclaration[] }
  | { valid: false; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads and checks the `x-mcp-header` annotations of a tool's `inputSchema`: each must be a
 * non-empty RFC 9110 token, unique without regard to case, on a `string`, `integer` or
 * `boolean` property reached through `properties` only. A tool that breaks any rule is invalid.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#schema-extension
 */
export function scanToolHeaders(inputSchema: unknown): ToolHeaderScan {
  const declarations: HeaderDeclaration[] = [];
  const seen = new Map<string, string>();
  const where = (path: string[]) => (path.length === 0 ? "<root>" : path.join("."));
  const visit = (node: unknown, path: string[], reachable: boolean): string | undefined => {
    if (!isRecord(node)) return undefined;
    if (X_MCP_HEADER in node) {
      if (!reachable || path.length === 0) {
        return `${
          where(path)
        }: x-mcp-header is allowed only on properties reached through "properties"`;
      }
      const name = node[X_MCP_HEADER];
      if (typeof name !== "string" || name === "") {
        return `${where(path)}: x-mcp-header must be a non-empty string`;
      }
      if (!TOKEN.test(name)) return `${where(path)}: x-mcp-header "${name}" is not an HTTP token`;
      const type = typeof node.type === "string" ? node.type : undefined;
      if (type === undefined || !HEADER_TYPES.has(type)) {
        return `${
          where(path)
        }: x-mcp-header is allowed only on string, integer or boolean properties, not ${
          type ?? "an untyped one"
        }`;
      }
      const prior = seen.get(name.toLowerCase());
      if (prior !== undefined) return `x-mcp-header "${name}" repeats "${prior}"`;
      seen.set(name.toLowerCase(), name);
      declarations.push({ path, name });
    }
    if (isRecord(node.properties)) {
      for (const [key, child] of Object.entries(node.properties)) {
        const fault = visit(child, [...path, key], reachable);
        if (fault) return fault;
      }
    }
    for (const keyword of UNREACHABLE_KEYWORDS) {
      const sub = node[keyword];
      if (sub === undefined) continue;
      const branches = Array.isArray(sub)
        ? sub
        : NAMED_SUBSCHEMAS.has(keyword) && isRecord(sub)
        ? Object.values(sub)
        : [sub];
      for (const branch of branches) {
        const fault = visit(branch, [...path, `<${keyword}>`], false);
        if (fault) return fault;
      }
    }
    return undefined;
  };
  const fault = visit(inputSchema, [], true);
  return fault ? { valid: false, reason: fault } : { valid: true, declarations };
}

/** Whether a header value must be sent Base64-encoded (not plain visible ASCII). */
export function needsEncoding(value: string): boolean {
  if (value === "") return true;
  if (value.startsWith("=?base64?") && value.endsWith("?=")) return true;
  if (value !== value.trim()) return true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 9 || (code >= 0x20 && code <= 0x7e)) continue;
    return true;
  }
  return false;
}

/**
 * Encodes a header value: plain when it is safe, else `=?base64?<Base64 of UTF-8>?=`.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#value-encoding
 */
export function encodeHeaderValue(value: string): string {
  if (!needsEncoding(value)) return value;
  let binary = "";
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return `=?base64?${btoa(binary)}?=`;
}

/** A primitive argument as header text; undefined when it cannot be one. */
export function headerText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" && Number.isFinite(value)) {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) return undefined;
    return String(value);
  }
  return undefined;
}

/** The `Mcp-Param-*` headers of one `tools/call`; absent and `null` arguments are omitted. */
export function paramHeaders(
  declarations: readonly HeaderDeclaration[],
  args: unknown,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  for (const declaration of declarations) {
    let value: unknown = args;
    for (const key of declaration.path) value = isRecord(value) ? value[key] : undefined;
    if (value === undefined || value === null) continue;
    const text = headerText(value);
    if (text === undefined) continue;
    headers.push([`Mcp-Param-${declaration.name}`, encodeHeaderValue(text)]);
  }
  return headers;
}

/** The body's `_meta` protocol version, if it has one. */
export function metaProtocolVersion(message: JsonRpcMessage): string | undefined {
  const params = "params" in message ? message.params : undefined;
  const meta = isRecord(params) && isRecord(params._meta) ? params._meta : undefined;
  const version = meta?.[META_PROTOCOL_VERSION];
  return typeof version === "string" ? version : undefined;
}

/**
 * The standard headers of a modern POST, derived from its body: `MCP-Protocol-Version` (from
 * `_meta`, or `fallbackVersion` for a body without one), `Mcp-Method` and `Mcp-Name`.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#protocol-version-header
 */
export function standardHeaders(
  message: JsonRpcMessage,
  fallbackVersion?: string,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const version = metaProtocolVersion(message) ?? fallbackVersion;
  if (version !== undefined) headers.push(["MCP-Protocol-Version", version]);
  if (!("method" in message)) return headers;
  headers.push(["Mcp-Method", message.method]);
  const field = NAME_SOURCES[message.method];
  const value = field && isRecord(message.params) ? headerText(message.params[field]) : undefined;
  if (value !== undefined) headers.push(["Mcp-Name", encodeHeaderValue(value)]);
  return headers;
}
