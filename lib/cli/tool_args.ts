/**
 * The `-c 'TOOL ARGS'` and `--get-prompt 'NAME ARGS'` argument language, driven by the tool's
 * `inputSchema` (or the prompt's argument list) and never by guesses about names:
 *
 * - `{…}` is a JSON object;
 * - `key=value` words are split shell-style (quotes group, backslash escapes) and each value is
 *   coerced by the schema type of its key; a word whose text before `=` is not a plain name
 *   (a URL such as `https://host/?q=1`) or that is quoted (`'a=b'`) is a bare value;
 * - a bare value goes to the only required parameter, else to the only parameter;
 * - unknown keys, missing required parameters and values of the wrong type are usage errors,
 *   found before anything is sent.
 *
 * Pure: no I/O; every problem is thrown as a `usage` BridgeError whose hint shows the parameters.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";
import { closestMatch } from "./suggest.ts";
import { type ArgumentWord, splitWords } from "./words.ts";

/** A JSON Schema fragment, as far as argument parsing looks at it. */
export interface SchemaLike {
  type?: string | string[];
  properties?: Record<string, SchemaLike>;
  required?: string[];
  items?: SchemaLike;
  enum?: unknown[];
  const?: unknown;
  anyOf?: SchemaLike[];
  oneOf?: SchemaLike[];
  allOf?: SchemaLike[];
  additionalProperties?: boolean | SchemaLike;
  description?: string;
  title?: string;
  default?: unknown;
  [key: string]: unknown;
}

/** One parameter of a tool or prompt, as shown to people. */
export interface ParameterSpec {
  name: string;
  /** Human type: `string`, `integer`, `number | null`, `array`, … (`any` when untyped). */
  type: string;
  required: boolean;
  description?: string;
  /** The schema of the parameter, for coercion. */
  schema: SchemaLike;
}

/** What the arguments are for, to word messages ("tool "echo"", "prompt "greet""). */
export interface ArgumentTarget {
  kind: "tool" | "prompt";
  name: string;
}

function usage(message: string, hint: string): BridgeError {
  return new BridgeError("usage", message, { hint });
}

function collectTypes(schema: SchemaLike): string[] {
  const types = new Set<string>();
  const visit = (node: SchemaLike | undefined) => {
    if (!node || typeof node !== "object") return;
    if (typeof node.type === "string") types.add(node.type);
    else if (Array.isArray(node.type)) { for (const t of node.type) types.add(t); }
    else if (node.const !== undefined) types.add(jsonType(node.const));
    else if (Array.isArray(node.enum)) { for (const v of node.enum) types.add(jsonType(v)); }
    for (const sub of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) {
      visit(sub);
    }
  };
  visit(schema);
  return [...types];
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** The parameters of a tool's `inputSchema`, required ones first in declaration order. */
export function describeParameters(inputSchema: SchemaLike | undefined): ParameterSpec[] {
  const properties = inputSchema?.properties ?? {};
  const required = new Set(inputSchema?.required ?? []);
  const specs = Object.entries(properties).map(([name, schema]): ParameterSpec => {
    const types = collectTypes(schema ?? {});
    const description = typeof schema?.description === "string" ? schema.description : undefined;
    return {
      name,
      type: types.length === 0 ? "any" : types.join(" | "),
      required: required.has(name),
      ...(description ? { description } : {}),
      schema: schema ?? {},
    };
  });
  return [...specs.filter((s) => s.required), ...specs.filter((s) => !s.required)];
}

/** A prompt's argument list (`prompts/list`) as the schema the parser understands: all strings. */
export function promptArgumentsSchema(
  args: ReadonlyArray<{ name: string; description?: string; required?: boolean }> | undefined,
): SchemaLike {
  const properties: Record<string, SchemaLike> = {};
  const required: string[] = [];
  for (const arg of args ?? []) {
    properties[arg.name] = {
      type: "string",
      ...(arg.description ? { description: arg.description } : {}),
    };
    if (arg.required) required.push(arg.name);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

/** One-line usage of a tool or prompt: `add a=<integer> b=<integer> [note=<string>]`. */
export function formatUsageLine(name: string, parameters: ParameterSpec[]): string {
  const parts = parameters.map((p) => {
    const item = `${p.name}=<${p.type}>`;
    return p.required ? item : `[${item}]`;
  });
  return [name, ...parts].join(" ");
}

function describeTarget(target: ArgumentTarget): string {
  return `${target.kind} "${target.name}"`;
}

function usageHint(target: ArgumentTarget, parameters: ParameterSpec[]): string {
  const flag = target.kind === "tool" ? "-c" : "--get-prompt";
  if (parameters.length === 0) {
    return `"${target.name}" takes no arguments: ${flag} '${target.name}'`;
  }
  return `Usage: ${flag} '${formatUsageLine(target.name, parameters)}'`;
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Converts one textual value by the parameter's schema type; undefined when it does not fit. */
function coerce(text: string, types: string[]): { ok: true; value: unknown } | { ok: false } {
  if (types.length === 0) {
    // Untyped parameter: JSON when it parses, text otherwise.
    const parsed = tryJson(text);
    return parsed.ok ? parsed : { ok: true, value: text };
  }
  for (const type of types) {
    switch (type) {
      case "integer":
        if (INTEGER.test(text)) return { ok: true, value: Number(text) };
        break;
      case "number":
        if (NUMBER.test(text)) return { ok: true, value: Number(text) };
        break;
      case "boolean":
        if (/^true$/i.test(text)) return { ok: true, value: true };
        if (/^false$/i.test(text)) return { ok: true, value: false };
        break;
      case "null":
        if (text === "null") return { ok: true, value: null };
        break;
      case "array":
      case "object": {
        const parsed = tryJson(text);
        if (parsed.ok && jsonType(parsed.value) === type) return parsed;
        break;
      }
    }
  }
  if (types.includes("string")) return { ok: true, value: text };
  return { ok: false };
}

function coerceParameter(
  parameter: ParameterSpec,
  text: string,
  target: ArgumentTarget,
): unknown {
  const types = collectTypes(parameter.schema);
  // Try the non-string types first so `a=5` is 5 for `integer | string`, "5" for `string`.
  const ordered = [...types.filter((t) => t !== "string"), ...types.filter((t) => t === "string")];
  const result = coerce(text, ordered);
  if (!result.ok) {
    const example = ordered.includes("array")
      ? `${parameter.name}='[1,2]'`
      : ordered.includes("object")
      ? `${parameter.name}='{"key":"value"}'`
      : ordered.includes("boolean")
      ? `${parameter.name}=true`
      : `${parameter.name}=<${parameter.type}>`;
    throw usage(
      `Invalid value for "${parameter.name}" of ${
        describeTarget(target)
      }: expected ${parameter.type}, got "${text}"`,
      `Give it as ${example}`,
    );
  }
  const allowed = parameter.schema.enum;
  if (Array.isArray(allowed) && !allowed.some((v) => v === result.value)) {
    throw usage(
      `Invalid value for "${parameter.name}" of ${describeTarget(target)}: "${text}"`,
      `Use one of: ${allowed.map((v) => JSON.stringify(v)).join(", ")}`,
    );
  }
  return result.value;
}

function bareTarget(parameters: ParameterSpec[]): ParameterSpec | undefined {
  const required = parameters.filter((p) => p.required);
  if (required.length === 1) return required[0];
  if (required.length === 0 && parameters.length === 1) return parameters[0];
  return undefined;
}

function allowsExtraKeys(schema: SchemaLike | undefined): boolean {
  const extra = schema?.additionalProperties;
  return extra === true || (typeof extra === "object" && extra !== null);
}

function checkKnown(
  keys: string[],
  schema: SchemaLike | undefined,
  parameters: ParameterSpec[],
  target: ArgumentTarget,
): void {
  if (allowsExtraKeys(schema)) return;
  const names = parameters.map((p) => p.name);
  for (const key of keys) {
    if (names.includes(key)) continue;
    const suggestion = closestMatch(key, names);
    const hint = usageHint(target, parameters);
    throw usage(
      `Unknown argument for ${describeTarget(target)}: "${key}"`,
      suggestion ? `Did you mean "${suggestion}"? ${hint}` : hint,
    );
  }
}

function checkArguments(
  args: Record<string, unknown>,
  schema: SchemaLike | undefined,
  parameters: ParameterSpec[],
  target: ArgumentTarget,
): void {
  checkKnown(Object.keys(args), schema, parameters, target);
  const missing = parameters.filter((p) => p.required && !(p.name in args)).map((p) => p.name);
  if (missing.length > 0) {
    throw usage(
      `Missing required argument${missing.length > 1 ? "s" : ""} for ${describeTarget(target)}: ${
        missing.map((m) => `"${m}"`).join(", ")
      }`,
      usageHint(target, parameters),
    );
  }
}

/**
 * Builds the `arguments` object for a tool call (or prompt) from the text after its name.
 * Throws a `usage` BridgeError for anything that cannot be mapped unambiguously.
 */
export function parseArguments(
  text: string,
  schema: SchemaLike | undefined,
  target: ArgumentTarget,
): Record<string, unknown> {
  const parameters = describeParameters(schema);
  const rest = text.trim();
  const args: Record<string, unknown> = {};

  if (rest.startsWith("{")) {
    const parsed = tryJson(rest);
    if (!parsed.ok || jsonType(parsed.value) !== "object") {
      throw usage(
        `Invalid JSON arguments for ${describeTarget(target)}`,
        `Give a JSON object such as '{"key":"value"}', or key=value pairs`,
      );
    }
    Object.assign(args, parsed.value as Record<string, unknown>);
    checkArguments(args, schema, parameters, target);
    return args;
  }

  if (rest !== "") {
    let words: ArgumentWord[];
    try {
      words = splitWords(rest);
    } catch (error) {
      // A lone apostrophe in a bare value ("it's fine") is text, not a quote.
      if (bareTarget(parameters) && !/(^|\s)[A-Za-z_][\w.\-]*=/.test(rest)) {
        words = [{ text: rest }];
      } else {
        throw error;
      }
    }
    const pairs = words.filter((w) => w.key !== undefined);
    const bare = words.filter((w) => w.key === undefined);
    for (const word of pairs) {
      const key = word.key!;
      if (key in args) {
        throw usage(
          `Argument given twice for ${describeTarget(target)}: "${key}"`,
          usageHint(target, parameters),
        );
      }
      const parameter = parameters.find((p) => p.name === key);
      if (!parameter) {
        checkKnown([key], schema, parameters, target);
      }
      args[key] = coerceParameter(
        parameter ?? { name: key, type: "any", required: false, schema: {} },
        word.value!,
        target,
      );
    }
    if (bare.length > 0) {
      const destination = bareTarget(parameters);
      if (parameters.length === 0) {
        throw usage(
          `Unexpected argument for ${describeTarget(target)}: "${bare[0].text}"`,
          usageHint(target, parameters),
        );
      }
      if (!destination) {
        throw usage(
          `Cannot tell which parameter "${bare[0].text}" is for: ${describeTarget(target)} has ${
            parameters.map((p) => `"${p.name}"`).join(", ")
          }`,
          `Name the parameters. ${usageHint(target, parameters)}`,
        );
      }
      if (destination.name in args || (pairs.length > 0 && bare.length > 1)) {
        throw usage(
          `Unexpected argument for ${describeTarget(target)}: "${bare[bare.length - 1].text}"`,
          `Quote a value that has spaces: ${destination.name}='…'. ${
            usageHint(target, parameters)
          }`,
        );
      }
      // A bare value alone is the whole text (one quoted word unquoted), spacing kept.
      const value = pairs.length > 0 || bare.length === 1
        ? bare[0].text
        : /['"\\]/.test(rest)
        ? bare.map((w) => w.text).join(" ")
        : rest;
      args[destination.name] = coerceParameter(destination, value, target);
    }
  }
  checkArguments(args, schema, parameters, target);
  return args;
}
