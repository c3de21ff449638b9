/**
 * Answers a server's elicitation in the command-line modes: form fields asked one by one on the
 * terminal (never on stdin), URL mode shown with its URL and confirmed with Enter, and a clear
 * refusal when there is no terminal. Field prompts and answer parsing are pure; the asking goes
 * through the injected `confirm` of the process streams.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/client/elicitation
 * @module
 */

import { BridgeError } from "../errors.ts";
import type { LogSink } from "../log.ts";
import type { OpenClientOptions } from "../mcp_client_types.ts";
import type { ProcessIo } from "../process_io.ts";

/** One primitive field of a form's `requestedSchema`. */
export interface FieldSchema {
  type?: string;
  title?: string;
  description?: string;
  enum?: unknown[];
  oneOf?: Array<{ const?: unknown; title?: string }>;
  default?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function choicesOf(field: FieldSchema): string[] | undefined {
  if (Array.isArray(field.enum)) return field.enum.map(String);
  if (Array.isArray(field.oneOf)) {
    return field.oneOf.map((option) => String(option.const));
  }
  return undefined;
}

/** The question asked for one field, e.g. `  Name (string, required): `. */
export function formatFieldPrompt(
  name: string,
  field: FieldSchema,
  required: boolean,
): string {
  const choices = choicesOf(field);
  const kind = choices ? `one of ${choices.join(" | ")}` : field.type ?? "string";
  const extra = [
    kind,
    required ? "required" : "optional",
    ...(field.default === undefined ? [] : [`default ${JSON.stringify(field.default)}`]),
  ].join(", ");
  const about = field.description ? ` ${field.description}` : "";
  return `  ${field.title ?? name}${about} (${extra}): `;
}

/** Reads one typed answer; empty means "not given". */
export function parseFieldAnswer(
  field: FieldSchema,
  text: string,
): { ok: true; value?: unknown } | { ok: false; reason: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true };
  const choices = choicesOf(field);
  if (choices && !choices.includes(trimmed)) {
    return { ok: false, reason: `expected one of ${choices.join(", ")}` };
  }
  switch (field.type) {
    case "boolean":
      if (/^(y|yes|true)$/i.test(trimmed)) return { ok: true, value: true };
      if (/^(n|no|false)$/i.test(trimmed)) return { ok: true, value: false };
      return { ok: false, reason: "expected yes or no" };
    case "number":
    case "integer": {
      const value = Number(trimmed);
      if (
        !Number.isFinite(value) ||
        (field.type === "integer" && !Number.isInteger(value))
      ) {
        return {
          ok: false,
          reason: `expected ${field.type === "integer" ? "an integer" : "a number"}`,
        };
      }
      return { ok: true, value };
    }
    default:
      return { ok: true, value: trimmed };
  }
}

/** How many times one field is asked again after an answer that does not fit. */
const MAX_FIELD_ATTEMPTS = 3;

/**
 * Asks an elicitation on the terminal and returns the `ElicitResult`: `decline` when the person
 * says no, `cancel` when the terminal closes, `accept` with the typed content otherwise.
 */
export async function elicitOnTerminal(
  params: Record<string, unknown>,
  ask: (question: string) => Promise<string | undefined>,
  say: LogSink,
): Promise<Record<string, unknown>> {
  const message = typeof params.message === "string" ? params.message : "The server asks for input";
  say(`The server asks: ${message}`);
  if (params.mode === "url") {
    say(`  Open ${String(params.url)}`);
    const done = await ask("  Press Enter when done, or type n to decline: ");
    if (done === undefined) return { action: "cancel" };
    return /^n(o)?$/i.test(done) ? { action: "decline" } : { action: "accept" };
  }
  const schema = isRecord(params.requestedSchema) ? params.requestedSchema : {};
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(
    Array.isArray(schema.required) ? schema.required.map(String) : [],
  );
  const go = await ask("  Answer? [Y/n]: ");
  if (go === undefined) return { action: "cancel" };
  if (/^n(o)?$/i.test(go)) return { action: "decline" };
  const content: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(properties)) {
    const field = (isRecord(raw) ? raw : {}) as FieldSchema;
    for (let attempt = 1;; attempt++) {
      const answer = await ask(
        formatFieldPrompt(name, field, required.has(name)),
      );
      if (answer === undefined) return { action: "cancel" };
      const parsed = parseFieldAnswer(field, answer);
      if (parsed.ok && (parsed.value !== undefined || !required.has(name))) {
        if (parsed.value !== undefined) content[name] = parsed.value;
        else if (field.default !== undefined) content[name] = field.default;
        break;
      }
      const reason = parsed.ok ? "an answer is required" : parsed.reason;
      if (attempt >= MAX_FIELD_ATTEMPTS) return { action: "cancel" };
      say(`  ${reason}`);
    }
  }
  return { action: "accept", content };
}

/**
 * The client options of a command-line mode: elicitation answered on the terminal, or refused
 * with a message saying why when there is none.
 */
export function createTerminalInput(
  io: Pick<ProcessIo, "confirm" | "stderr">,
): OpenClientOptions {
  const confirm = io.confirm;
  return {
    onElicit(params) {
      if (confirm === undefined) {
        return Promise.reject(
          new BridgeError(
            "usage",
            "Cannot answer the server's question without a terminal",
            {
              hint: "Run the command on a terminal to answer it",
            },
          ),
        );
      }
      return elicitOnTerminal(params, confirm, io.stderr);
    },
  };
}
