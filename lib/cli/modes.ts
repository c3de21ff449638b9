/**
 * The client modes: `--list-tools`, `--list-resources`, `--list-prompts`, `-c`, `--read-resource`,
 * `--get-prompt` and `--raw`. Each opens a session with {@link openClient}, does one thing, prints
 * it on stdout (human text, or one JSON document with `--json`), ends the session and returns the
 * exit code. Failures are thrown as BridgeErrors for `lib/cli/main.ts` to report; logs and
 * progress go to stderr only. Usage errors in `-c`/`--get-prompt` arguments are found before the
 * call is sent.
 *
 * @module
 */

import type * as Mcp from "@modelcontextprotocol/sdk/types.js";
import { BridgeError, ExitCode, JsonRpcCode } from "../errors.ts";
import { type JsonRpcRequest, validateMessage } from "../jsonrpc/message.ts";
import type { Mode } from "./args.ts";
import { openClient, openSession } from "../mcp_client.ts";
import type { McpClient } from "../mcp_client_types.ts";
import { listAllPages } from "../list_pages.ts";
import type { ModeContext } from "./context.ts";
import {
  formatCallToolResult,
  formatGetPromptResult,
  type FormatOptions,
  formatPromptList,
  formatReadResourceResult,
  formatResourceList,
  formatToolList,
} from "./format.ts";
import { parseArguments, promptArgumentsSchema, type SchemaLike } from "./tool_args.ts";
import { startActivity } from "./activity.ts";
import { closestMatch } from "./suggest.ts";
import { splitCommand } from "./words.ts";
import { createTerminalInput } from "./elicit.ts";
import { createOutput, type Output } from "./output.ts";
import { writeStdout as writeIoStdout } from "./stdout.ts";

/** How many names a "not found" hint lists. */
const MAX_NAMES_IN_HINT = 20;

function writeStdout(context: ModeContext, text: string): Promise<void> {
  return writeIoStdout(context.io, text);
}

function formatOptions(context: ModeContext): FormatOptions {
  return { color: context.color };
}

function outputOf(context: ModeContext): Output {
  return createOutput(context.io, { json: context.settings.json });
}

/** Prints a mode's answer: the human text, or with `--json` the success document of `result`. */
function print(
  context: ModeContext,
  result: unknown,
  human: (options: FormatOptions) => string,
): Promise<void> {
  return outputOf(context).print(() => human(formatOptions(context)), result);
}

function isMethodNotFound(error: unknown): boolean {
  return error instanceof BridgeError && error.kind === "server_error" &&
    error.details?.code === JsonRpcCode.methodNotFound;
}

async function listTools(client: McpClient): Promise<Mcp.Tool[]> {
  if (!client.capabilities.tools) return [];
  return await listAllPages<Mcp.Tool>(client, "tools/list", "tools");
}

async function listPrompts(client: McpClient): Promise<Mcp.Prompt[]> {
  if (!client.capabilities.prompts) return [];
  return await listAllPages<Mcp.Prompt>(client, "prompts/list", "prompts");
}

async function listResources(
  client: McpClient,
): Promise<{ resources: Mcp.Resource[]; resourceTemplates: Mcp.ResourceTemplate[] }> {
  if (!client.capabilities.resources) return { resources: [], resourceTemplates: [] };
  const resources = await listAllPages<Mcp.Resource>(client, "resources/list", "resources");
  let resourceTemplates: Mcp.ResourceTemplate[] = [];
  try {
    resourceTemplates = await listAllPages<Mcp.ResourceTemplate>(
      client,
      "resources/templates/list",
      "resourceTemplates",
    );
  } catch (error) {
    if (!isMethodNotFound(error)) throw error;
  }
  return { resources, resourceTemplates };
}

function notFound(what: "tool" | "prompt", name: string, available: string[]): BridgeError {
  const flag = what === "tool" ? "--list-tools" : "--list-prompts";
  const shown = available.slice(0, MAX_NAMES_IN_HINT).join(", ");
  const more = available.length > MAX_NAMES_IN_HINT
    ? `, … (${available.length - MAX_NAMES_IN_HINT} more)`
    : "";
  const suggestion = closestMatch(name, available);
  const guess = suggestion ? `Did you mean "${suggestion}"? ` : "";
  return new BridgeError("usage", `Unknown ${what}: "${name}"`, {
    hint: available.length === 0
      ? `The server offers no ${what}s`
      : `${guess}Available ${what}s: ${shown}${more} (see ${flag})`,
    details: { available },
  });
}

async function runListTools(context: ModeContext): Promise<number> {
  await using client = await openClient(context, createTerminalInput(context.io));
  const tools = await listTools(client);
  await print(context, { tools }, (options) => formatToolList(tools, options));
  return ExitCode.ok;
}

async function runListResources(context: ModeContext): Promise<number> {
  await using client = await openClient(context, createTerminalInput(context.io));
  const result = await listResources(client);
  await print(
    context,
    result,
    (options) => formatResourceList(result.resources, result.resourceTemplates, options),
  );
  return ExitCode.ok;
}

async function runListPrompts(context: ModeContext): Promise<number> {
  await using client = await openClient(context, createTerminalInput(context.io));
  const prompts = await listPrompts(client);
  await print(context, { prompts }, (options) => formatPromptList(prompts, options));
  return ExitCode.ok;
}

async function runCallTool(command: string, context: ModeContext): Promise<number> {
  const { name, rest } = splitCommand(command);
  await using client = await openClient(context, createTerminalInput(context.io));
  const tools = await listTools(client);
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw notFound("tool", name, tools.map((t) => t.name));
  const args = parseArguments(rest, tool.inputSchema as SchemaLike, { kind: "tool", name });
  context.log.debug(`Calling tool "${name}" with ${JSON.stringify(args)}`);
  const activity = startActivity(context, { label: `tool "${name}"` });
  let result: Mcp.CallToolResult;
  try {
    result = await client.request<Mcp.CallToolResult>(
      "tools/call",
      { name, arguments: args },
      { onProgress: activity.onProgress },
    );
  } finally {
    activity.stop();
  }
  if (result.isError === true) {
    const output = outputOf(context);
    if (!output.json) {
      await writeStdout(context, formatCallToolResult(result, formatOptions(context)));
    }
    return await output.fail(
      new BridgeError("server_error", `Tool "${name}" reported an error (isError: true)`),
      result,
    );
  }
  await print(context, result, (options) => formatCallToolResult(result, options));
  return ExitCode.ok;
}

async function runReadResource(uri: string, context: ModeContext): Promise<number> {
  if (uri.trim() === "") {
    throw new BridgeError("usage", "Missing resource URI", {
      hint: "Give the URI: --read-resource fixture://readme (see --list-resources)",
    });
  }
  await using client = await openClient(context, createTerminalInput(context.io));
  const result = await client.request<Mcp.ReadResourceResult>("resources/read", {
    uri: uri.trim(),
  });
  await print(context, result, (options) => formatReadResourceResult(result, options));
  return ExitCode.ok;
}

async function runGetPrompt(command: string, context: ModeContext): Promise<number> {
  const { name, rest } = splitCommand(command);
  await using client = await openClient(context, createTerminalInput(context.io));
  const prompts = await listPrompts(client);
  const prompt = prompts.find((p) => p.name === name);
  if (!prompt) throw notFound("prompt", name, prompts.map((p) => p.name));
  const args = parseArguments(rest, promptArgumentsSchema(prompt.arguments), {
    kind: "prompt",
    name,
  });
  const result = await client.request<Mcp.GetPromptResult>("prompts/get", {
    name,
    arguments: args,
  });
  await print(context, result, (options) => formatGetPromptResult(result, options));
  return ExitCode.ok;
}

/**
 * Reads the `--raw` text into a request or notification: `jsonrpc` is filled in, and `id` too
 * unless the method is a notification (`notifications/…`). Pure; throws a usage BridgeError.
 */
export function parseRawMessage(
  text: string,
  nextId: () => number,
): { kind: "request"; message: JsonRpcRequest } | {
  kind: "notification";
  method: string;
  params?: Record<string, unknown>;
} {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BridgeError("usage", `Invalid JSON in --raw: ${(error as Error).message}`, {
      hint: `Give one JSON-RPC message: --raw '{"method":"tools/list"}'`,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BridgeError("usage", "The --raw message must be a JSON object", {
      hint: `Give one JSON-RPC message: --raw '{"method":"tools/list"}'`,
    });
  }
  const object = { jsonrpc: "2.0", ...value } as Record<string, unknown>;
  const method = object.method;
  if (typeof method === "string" && method.startsWith("notifications/") && !("id" in object)) {
    const checked = validateMessage(object);
    if (!checked.ok) throw rawInvalid(checked.reason);
    const params = object.params as Record<string, unknown> | undefined;
    return { kind: "notification", method, ...(params === undefined ? {} : { params }) };
  }
  if (!("id" in object) || object.id === undefined) object.id = nextId();
  const checked = validateMessage(object);
  if (!checked.ok) throw rawInvalid(checked.reason);
  if (typeof method !== "string") {
    throw rawInvalid("it has no method; --raw sends requests and notifications");
  }
  return { kind: "request", message: object as unknown as JsonRpcRequest };
}

function rawInvalid(reason: string): BridgeError {
  return new BridgeError("usage", `Invalid --raw message: ${reason}`, {
    hint: `Give one JSON-RPC message: --raw '{"method":"tools/list","params":{}}'`,
  });
}

async function runRaw(text: string, context: ModeContext): Promise<number> {
  // Parsed before connecting so a bad message fails without touching the network; a missing id
  // is taken from the session's counter once there is one.
  let idFilled = false;
  const parsed = parseRawMessage(text, () => {
    idFilled = true;
    return 0;
  });
  const initializing = parsed.kind === "request" && parsed.message.method === "initialize";
  await using session = initializing
    ? await openSession(context)
    : await openClient(context, createTerminalInput(context.io));
  if (parsed.kind === "request" && idFilled) parsed.message.id = session.nextId();
  if (parsed.kind === "notification") {
    await session.notify(parsed.method, parsed.params);
    if (context.settings.json) await outputOf(context).result(null);
    else context.io.stderr(`Notification "${parsed.method}" sent`);
    return ExitCode.ok;
  }
  const activity = startActivity(context, { label: `"${parsed.message.method}"` });
  let exchanged: Awaited<ReturnType<typeof session.exchange>>;
  try {
    exchanged = await session.exchange(parsed.message, { onProgress: activity.onProgress });
  } finally {
    activity.stop();
  }
  const { response, raw } = exchanged;
  const printed = raw?.trim() || JSON.stringify(response);
  await writeStdout(context, printed + "\n");
  if ("error" in response) {
    if (!context.settings.json) {
      context.io.stderr(`Error: Server answered with error ${response.error.code}`);
    }
    return ExitCode.serverError;
  }
  return ExitCode.ok;
}

/** Runs one client mode; resolves to the exit code. */
export async function runClientMode(mode: Mode, context: ModeContext): Promise<number> {
  switch (mode.kind) {
    case "list-tools":
      return await runListTools(context);
    case "list-resources":
      return await runListResources(context);
    case "list-prompts":
      return await runListPrompts(context);
    case "call-tool":
      return await runCallTool(mode.command, context);
    case "read-resource":
      return await runReadResource(mode.uri, context);
    case "get-prompt":
      return await runGetPrompt(mode.command, context);
    case "raw":
      return await runRaw(mode.message, context);
    default:
      throw new BridgeError("internal", `Not a client mode: ${mode.kind}`);
  }
}
