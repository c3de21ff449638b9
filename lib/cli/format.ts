/**
 * The human text of the client modes: lists, tool results, resources, prompts and the progress
 * line (the `--json` documents are built by `output.ts`). Pure: functions return strings and
 * never write; they tolerate servers that send odd shapes, and they never print a secret because
 * they only see what the server answered.
 *
 * @module
 */

import type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { ProgressInfo } from "../mcp_client_types.ts";
import {
  describeParameters,
  type ParameterSpec,
  promptArgumentsSchema,
  type SchemaLike,
} from "./tool_args.ts";

/** Options shared by the human formatters. */
export interface FormatOptions {
  /** Use ANSI colors (stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
}

/** The longest description shown in a list, in characters. */
export const SHORT_DESCRIPTION_LENGTH = 100;

const ANSI = { bold: "\x1b[1m", dim: "\x1b[2m", red: "\x1b[31m", cyan: "\x1b[36m" } as const;

function paint(style: keyof typeof ANSI, text: string, options: FormatOptions): string {
  return options.color && text !== "" ? `${ANSI[style]}${text}\x1b[0m` : text;
}

/** The first line of `text`, cut at a sentence end or at `max` characters. */
export function formatShortDescription(
  text: string | undefined,
  max = SHORT_DESCRIPTION_LENGTH,
): string {
  if (!text) return "";
  const firstLine = text.trim().split(/\r?\n/)[0].trim();
  if (firstLine.length <= max) return firstLine;
  return firstLine.slice(0, max - 1).trimEnd() + "…";
}

/** Lays out rows of cells in columns padded to the widest cell; trailing spaces trimmed. */
export function formatColumns(rows: string[][], indent = "", gap = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, [...cell].length));
  }
  return rows.map((row) => {
    const last = row.reduce((found, cell, i) => cell !== "" ? i : found, -1);
    const cells = row.slice(0, last + 1).map((cell, i) =>
      i === last ? cell : cell + " ".repeat(widths[i] - [...cell].length)
    );
    return (indent + cells.join(gap)).trimEnd();
  });
}

/** `1.2 kB` style size. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["kB", "MB", "GB"];
  let value = bytes;
  let unit = "";
  for (const next of units) {
    value /= 1000;
    unit = next;
    if (value < 1000) break;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** Decoded size of base64 text, without decoding it. */
export function base64Size(data: string): number {
  const clean = data.replace(/\s/g, "");
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor(clean.length * 3 / 4) - padding);
}

function titleAndDescription(title: string | undefined, name: string, description?: string) {
  const short = formatShortDescription(description);
  const shownTitle = title && title !== name ? title : "";
  if (shownTitle && short) return `${shownTitle}: ${short}`;
  return shownTitle || short;
}

function heading(label: string, count: number, options: FormatOptions): string {
  return paint("bold", `${label} (${count})`, options);
}

/** One entry of a tool or prompt list: its name, its summary and its parameters. */
interface ListEntry {
  name: string;
  summary: string;
  parameters: ParameterSpec[];
}

/** A headed list of entries, each with its parameter table (with a type column if `typed`). */
function formatEntryList(
  label: string,
  entries: readonly ListEntry[],
  options: FormatOptions & { typed: boolean },
): string {
  const nameWidth = Math.max(...entries.map((e) => [...e.name].length));
  const lines = [heading(label, entries.length, options), ""];
  for (const { name, summary, parameters } of entries) {
    const padded = name + " ".repeat(nameWidth - [...name].length);
    lines.push(
      summary ? `${paint("bold", padded, options)}  ${summary}` : paint("bold", name, options),
    );
    const rows = parameters.map((p) => [
      p.name,
      ...(options.typed ? [p.type] : []),
      p.required ? "required" : "optional",
      formatShortDescription(p.description, 80),
    ]);
    for (const [i, line] of formatColumns(rows, "    ").entries()) {
      lines.push(parameters[i].required ? line : paint("dim", line, options));
    }
  }
  return lines.join("\n") + "\n";
}

/** Human list of tools with their parameters, types and required markers. */
export function formatToolList(tools: readonly Tool[], options: FormatOptions): string {
  if (tools.length === 0) return "No tools\n";
  const entries = tools.map((tool) => ({
    name: tool.name,
    summary: titleAndDescription(
      tool.title ?? tool.annotations?.title,
      tool.name,
      tool.description,
    ),
    parameters: describeParameters(tool.inputSchema as SchemaLike | undefined),
  }));
  return formatEntryList("Tools", entries, { ...options, typed: true });
}

/** A headed table, or `none` when it has no rows. */
function formatSection(label: string, none: string, rows: string[][], options: FormatOptions) {
  if (rows.length === 0) return [none];
  return [heading(label, rows.length, options), "", ...formatColumns(rows)];
}

/** Human list of resources and resource templates. */
export function formatResourceList(
  resources: readonly Resource[],
  templates: readonly ResourceTemplate[],
  options: FormatOptions,
): string {
  const resourceRows = resources.map((r) => [
    r.uri,
    r.name,
    r.mimeType ?? "",
    titleAndDescription(r.title, r.name, r.description),
  ]);
  const templateRows = templates.map((t) => [
    t.uriTemplate,
    t.name,
    t.mimeType ?? "",
    titleAndDescription(t.title, t.name, t.description),
  ]);
  const lines = [
    ...formatSection("Resources", "No resources", resourceRows, options),
    "",
    ...formatSection("Resource templates", "No resource templates", templateRows, options),
  ];
  return lines.join("\n") + "\n";
}

/** Human list of prompts with their arguments. */
export function formatPromptList(prompts: readonly Prompt[], options: FormatOptions): string {
  if (prompts.length === 0) return "No prompts\n";
  const entries = prompts.map((prompt) => ({
    name: prompt.name,
    summary: titleAndDescription(prompt.title, prompt.name, prompt.description),
    parameters: describeParameters(promptArgumentsSchema(prompt.arguments)),
  }));
  return formatEntryList("Prompts", entries, { ...options, typed: false });
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : text + "\n";
}

function summarizeResourceContents(
  contents: { uri?: string; mimeType?: string; text?: unknown; blob?: unknown },
  label: string,
  options: FormatOptions,
): string {
  const size = typeof contents.text === "string"
    ? new TextEncoder().encode(contents.text).length
    : typeof contents.blob === "string"
    ? base64Size(contents.blob)
    : 0;
  const parts = [label, contents.uri ?? "", contents.mimeType ?? ""].filter((p) => p !== "");
  return paint("cyan", `[${parts.join(" ")}, ${formatSize(size)}]`, options) + "\n";
}

/** Human text of one content item: text in full, everything else summarized on one line. */
export function formatContentBlock(block: ContentBlock, options: FormatOptions): string {
  const item = block as { type?: unknown } & Record<string, unknown>;
  switch (item.type) {
    case "text":
      return ensureNewline(typeof item.text === "string" ? item.text : "");
    case "image":
    case "audio": {
      const size = typeof item.data === "string" ? base64Size(item.data) : 0;
      const mime = typeof item.mimeType === "string" ? ` ${item.mimeType}` : "";
      return paint("cyan", `[${item.type}${mime}, ${formatSize(size)}]`, options) + "\n";
    }
    case "resource": {
      const resource =
        (typeof item.resource === "object" && item.resource !== null ? item.resource : {}) as {
          uri?: string;
          mimeType?: string;
          text?: unknown;
          blob?: unknown;
        };
      return summarizeResourceContents(resource, "resource", options);
    }
    case "resource_link": {
      const parts = ["resource link", item.uri, item.name, item.mimeType]
        .filter((p): p is string => typeof p === "string" && p !== "");
      return paint("cyan", `[${parts.join(" ")}]`, options) + "\n";
    }
    default:
      return paint("cyan", `[${String(item.type ?? "unknown")} content]`, options) + "\n";
  }
}

/** Human text of a `tools/call` result: the content items, then `structuredContent`. */
export function formatCallToolResult(result: CallToolResult, options: FormatOptions): string {
  const content: ContentBlock[] = Array.isArray(result.content) ? result.content : [];
  let out = content.map((block) => formatContentBlock(block, options)).join("");
  if (result.structuredContent !== undefined) {
    out += paint("dim", "Structured content:", options) + "\n" +
      JSON.stringify(result.structuredContent, null, 2) + "\n";
  }
  return out;
}

/** Human text of a `resources/read` result: text contents in full, blobs summarized. */
export function formatReadResourceResult(
  result: ReadResourceResult,
  options: FormatOptions,
): string {
  const contents = (Array.isArray(result.contents) ? result.contents : []) as Array<
    { uri?: string; mimeType?: string; text?: unknown; blob?: unknown }
  >;
  return contents.map((entry) => {
    const header = contents.length > 1
      ? paint(
        "dim",
        `--- ${entry.uri ?? ""}${entry.mimeType ? ` (${entry.mimeType})` : ""}`,
        options,
      ) +
        "\n"
      : "";
    if (typeof entry.text === "string") return header + ensureNewline(entry.text);
    return header + summarizeResourceContents(entry, "blob", options);
  }).join("");
}

/** Human text of a `prompts/get` result: description, then each message under its role. */
export function formatGetPromptResult(result: GetPromptResult, options: FormatOptions): string {
  const lines: string[] = [];
  if (result.description) lines.push(paint("dim", result.description, options), "");
  const messages = Array.isArray(result.messages) ? result.messages : [];
  let out = lines.join("\n") + (lines.length ? "\n" : "");
  for (const message of messages) {
    out += paint("bold", `[${message.role}]`, options) + "\n";
    out += formatContentBlock(message.content as ContentBlock, options);
  }
  return out;
}

/** The progress line shown on a terminal's stderr: `progress 2/5 (40%) copying`. */
export function formatProgress(progress: ProgressInfo): string {
  const total = progress.total;
  const amount = total !== undefined && total > 0
    ? `${progress.progress}/${total} (${Math.round(progress.progress / total * 100)}%)`
    : `${progress.progress}`;
  return `progress ${amount}${progress.message ? ` ${progress.message}` : ""}`;
}
