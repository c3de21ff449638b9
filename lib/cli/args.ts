/**
 * Command-line parsing: every flag of the program, which mode the flags select, and usage errors
 * with a hint for a mistyped flag. Pure: it receives the argument list and never reads the
 * environment.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { BridgeError } from "../errors.ts";
import { isLoopbackHost } from "../net.ts";
import { closestMatch } from "./suggest.ts";

/** One flag of the program, as declared to `parseArgs`. */
interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

/** All flags, the single source for parsing, help-sync tests and typo hints. */
export const FLAGS = {
  // connection
  "server-url": { type: "string" },
  server: { type: "string" },
  config: { type: "string" },
  "env-file": { type: "string" },
  header: { type: "string", short: "H", multiple: true },
  transport: { type: "string" },
  protocol: { type: "string" },
  timeout: { type: "string" },
  "allow-http": { type: "boolean" },
  cert: { type: "string" },
  cookies: { type: "boolean" },
  // output and logging
  "log-level": { type: "string" },
  verbose: { type: "boolean", short: "v" },
  "log-file": { type: "string" },
  json: { type: "boolean" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
  "help-all": { type: "boolean" },
  version: { type: "boolean", short: "V" },
  // modes
  "list-tools": { type: "boolean" },
  "list-resources": { type: "boolean" },
  "list-prompts": { type: "boolean" },
  command: { type: "string", short: "c" },
  "read-resource": { type: "string" },
  "get-prompt": { type: "string" },
  raw: { type: "string" },
  "print-config": { type: "string" },
  // authentication
  token: { type: "boolean", short: "t" },
  "test-auth": { type: "boolean" },
  "print-token": { type: "boolean" },
  "reset-auth": { type: "boolean" },
  "keep-registration": { type: "boolean" },
  "get-client-info": { type: "boolean" },
  "update-client": { type: "string" },
  "delete-client": { type: "boolean" },
  yes: { type: "boolean", short: "y" },
  scope: { type: "string" },
  "no-resource": { type: "boolean" },
  "callback-port": { type: "string" },
  "callback-host": { type: "string" },
  "auth-timeout": { type: "string" },
  "client-metadata-url": { type: "string" },
  "client-credentials": { type: "boolean" },
  "client-key": { type: "string" },
  "device-code": { type: "boolean" },
  "idp-issuer": { type: "string" },
  "idp-client-id": { type: "string" },
  "id-token-file": { type: "string" },
} as const satisfies Record<string, FlagSpec>;

/** The name of a flag, without dashes. */
export type FlagName = keyof typeof FLAGS;

/** The values of parsed flags. */
export type ParsedFlags = {
  -readonly [K in FlagName]?: (typeof FLAGS)[K] extends { multiple: true } ? string[]
    : (typeof FLAGS)[K]["type"] extends "string" ? string
    : boolean;
};

/** What the program was asked to do. */
export type Mode =
  | { kind: "help"; topic?: string }
  | { kind: "version" }
  | { kind: "proxy" }
  | { kind: "list-tools" }
  | { kind: "list-resources" }
  | { kind: "list-prompts" }
  | { kind: "call-tool"; command: string }
  | { kind: "read-resource"; uri: string }
  | { kind: "get-prompt"; command: string }
  | { kind: "raw"; message: string }
  | { kind: "print-config"; host: string }
  | { kind: "token"; printToken?: boolean }
  | { kind: "test-auth" }
  | { kind: "reset-auth" }
  | { kind: "get-client-info" }
  | { kind: "update-client"; assignments: string }
  | { kind: "delete-client" };

/** The result of parsing the command line. */
export interface ParsedArgs {
  flags: ParsedFlags;
  mode: Mode;
  /** `--reset-auth` given together with another mode: reset first, then run it. */
  resetFirst: boolean;
  /** The access token given as `--token VALUE` (the Python tool's form), for this run only. */
  accessToken?: string;
}

/**
 * Takes the value of `--token VALUE` / `--token=VALUE` out of `args` (the Python tool's
 * `--token "Bearer eyJ…" --test-auth`). A following word is a value unless it is a flag or a URL.
 */
export function extractTokenValue(
  args: readonly string[],
): { args: string[]; accessToken?: string } {
  const rest: string[] = [];
  let accessToken: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (arg.startsWith("--token=")) {
      accessToken = arg.slice("--token=".length);
      continue;
    }
    const next = args[i + 1];
    if (
      (arg === "--token" || arg === "-t") && next !== undefined && !next.startsWith("-") &&
      !URL_PATTERN.test(next) && next.toLowerCase() !== "help"
    ) {
      accessToken = next;
      i++;
      continue;
    }
    rest.push(arg);
  }
  return accessToken === undefined ? { args: rest } : { args: rest, accessToken };
}

/** The declared flag closest to `name`, when one is close enough to be a typo. */
export function suggestFlag(name: string): string | undefined {
  return closestMatch(name, Object.keys(FLAGS));
}

function usage(message: string, hint = "Run with --help to see the accepted flags"): BridgeError {
  return new BridgeError("usage", message, { hint });
}

function translateParseError(error: unknown): BridgeError {
  const text = error instanceof Error ? error.message : String(error);
  const unknown = text.match(/Unknown option '(-{1,2})([^']+)'/);
  if (unknown) {
    const suggestion = unknown[1] === "--" ? suggestFlag(unknown[2]) : undefined;
    return usage(
      `Unknown flag: "${unknown[1]}${unknown[2]}"`,
      suggestion ? `Did you mean "--${suggestion}"?` : undefined,
    );
  }
  const missing = text.match(/Option '(?:-\w, )?--([^ ]+) <value>' argument missing/);
  if (missing) return usage(`Missing value for flag: "--${missing[1]}"`);
  return usage(`Cannot parse arguments: ${text}`);
}

const MODE_FLAGS = [
  "help",
  "version",
  "token",
  "test-auth",
  "get-client-info",
  "update-client",
  "delete-client",
  "raw",
  "list-tools",
  "list-resources",
  "list-prompts",
  "command",
  "read-resource",
  "get-prompt",
  "print-config",
] as const satisfies readonly FlagName[];

function selectMode(flags: ParsedFlags): Mode {
  const chosen = MODE_FLAGS.filter((name) => flags[name] !== undefined && flags[name] !== false);
  if (flags["help-all"]) return { kind: "help", topic: "all" };
  if (chosen.includes("help")) return { kind: "help" };
  if (chosen.includes("version")) return { kind: "version" };
  if (chosen.length > 1) {
    throw usage(
      `Conflicting modes: ${chosen.map((name) => `"--${name}"`).join(", ")}`,
      "Give one mode at a time (only --reset-auth combines with another mode)",
    );
  }
  switch (chosen[0]) {
    case undefined:
      return flags["reset-auth"] ? { kind: "reset-auth" } : { kind: "proxy" };
    case "token":
      return flags["print-token"] ? { kind: "token", printToken: true } : { kind: "token" };
    case "test-auth":
      return { kind: "test-auth" };
    case "get-client-info":
      return { kind: "get-client-info" };
    case "update-client":
      return { kind: "update-client", assignments: flags["update-client"]! };
    case "delete-client":
      return { kind: "delete-client" };
    case "raw":
      return { kind: "raw", message: flags.raw! };
    case "list-tools":
      return { kind: "list-tools" };
    case "list-resources":
      return { kind: "list-resources" };
    case "list-prompts":
      return { kind: "list-prompts" };
    case "command":
      return { kind: "call-tool", command: flags.command! };
    case "read-resource":
      return { kind: "read-resource", uri: flags["read-resource"]! };
    case "get-prompt":
      return { kind: "get-prompt", command: flags["get-prompt"]! };
    case "print-config":
      if (flags["reset-auth"]) {
        throw usage(
          'Conflicting modes: "--print-config", "--reset-auth"',
          "A host entry must not reset the sign-in on every start",
        );
      }
      return { kind: "print-config", host: flags["print-config"]! };
  }
  throw usage("Cannot select a mode");
}

/** Parses the program's arguments; throws a usage BridgeError on any problem. */
export function parseCommandLine(args: readonly string[]): ParsedArgs {
  let values: Record<string, unknown>;
  let positionals: string[];
  const extracted = extractTokenValue(args);
  try {
    ({ values, positionals } = parseArgs({
      args: extracted.args,
      options: FLAGS,
      strict: true,
      allowPositionals: true,
      allowNegative: false,
    }));
  } catch (error) {
    throw translateParseError(error);
  }
  const flags = values as ParsedFlags;
  if (positionals[0]?.toLowerCase() === "help") {
    if (positionals.length > 2) throw strayWord(positionals[2], flags);
    return {
      flags,
      mode: { kind: "help", ...(positionals[1] ? { topic: positionals[1] } : {}) },
      resetFirst: false,
    };
  }
  const url = readServerUrlPositional(positionals, flags);
  if (url !== undefined) flags["server-url"] = url;
  const format = flags.format;
  if (format !== undefined && format !== "json" && format !== "text") {
    throw usage(
      `Invalid value for --format: "${format}"`,
      'Use "--format json" or "--format text"',
    );
  }
  const accessToken = extracted.accessToken;
  if (accessToken !== undefined) {
    if (accessToken.trim() === "") throw usage('Missing value for flag: "--token"');
    // `--token VALUE` alone is `--token` with that token; with another mode it only supplies it.
    if (!MODE_FLAGS.some((name) => name !== "token" && flags[name])) flags.token = true;
  }
  if (flags["print-token"] && !flags.token) {
    throw usage('"--print-token" works only with "--token"', "Run --token --print-token");
  }
  const mode = selectMode(flags);
  return {
    flags,
    mode,
    resetFirst: Boolean(flags["reset-auth"]) && mode.kind !== "reset-auth",
    ...(accessToken === undefined ? {} : { accessToken }),
  };
}

const URL_PATTERN = /^https?:\/\//i;

/** The one bare URL among the positionals (as mcp-remote and the Inspector take it). */
function readServerUrlPositional(
  positionals: readonly string[],
  flags: ParsedFlags,
): string | undefined {
  const urls = positionals.filter((word) => URL_PATTERN.test(word));
  const other = positionals.find((word) => !URL_PATTERN.test(word));
  if (other !== undefined) throw strayWord(other, flags);
  if (urls.length > 1) {
    throw usage(
      `More than one server URL: ${urls.map((url) => `"${url}"`).join(", ")}`,
      "Give one server URL per run",
    );
  }
  const given = flags["server-url"];
  if (urls.length === 1 && given !== undefined && given !== urls[0]) {
    throw usage(
      `Two server URLs: "${urls[0]}" and --server-url "${given}"`,
      "Give the server URL once, as the argument or with --server-url",
    );
  }
  return urls[0];
}

const HOST_PATTERN = /^(localhost|[\w-]+(\.[\w-]+)+|\[[0-9a-f:]+\])(:\d+)?(\/\S*)?$/i;

/** Whether a bare `host[:port][/path]` names this machine (the one loopback rule, `net.ts`). */
function isLoopbackWord(word: string): boolean {
  try {
    return isLoopbackHost(new URL(`http://${word}`).hostname);
  } catch {
    return false;
  }
}

/** The usage error for a word that is neither a flag nor a URL, with a hint that fits it. */
export function strayWord(word: string, flags: ParsedFlags): BridgeError {
  const message = `Unexpected argument: "${word}"`;
  const call = flags.command !== undefined
    ? ["-c", flags.command] as const
    : flags["get-prompt"] !== undefined
    ? ["--get-prompt", flags["get-prompt"]] as const
    : undefined;
  if (call) {
    return usage(message, `Quote the whole call as one argument: ${call[0]} '${call[1]} ${word}'`);
  }
  const flag = suggestFlag(word.replace(/^-+/, ""));
  if (flag && !word.startsWith("--") && word.replace(/^-+/, "") === flag) {
    return usage(message, `Flags start with two dashes: "--${flag}"`);
  }
  if (HOST_PATTERN.test(word)) {
    const scheme = isLoopbackWord(word) ? "http" : "https";
    return usage(message, `Give the server URL with its scheme: "${scheme}://${word}"`);
  }
  if (/^[A-Za-z_][\w.-]*=/.test(word)) {
    return usage(message, `Call a tool with -c and quote the call: -c 'TOOL ${word}'`);
  }
  if (flag) return usage(message, `Did you mean "--${flag}"?`);
  return usage(
    message,
    "The program takes flags and at most one server URL; run with --help to see them",
  );
}

function takesValue(arg: string): boolean {
  const specs: Record<string, FlagSpec> = FLAGS;
  if (arg.startsWith("--")) return !arg.includes("=") && specs[arg.slice(2)]?.type === "string";
  if (!/^-[A-Za-z]+$/.test(arg)) return false;
  const short = arg.at(-1);
  return Object.values(specs).some((spec) => spec.short === short && spec.type === "string");
}

/**
 * Whether the arguments ask for `--json` (or `--format json`), read word by word so that a flag's
 * value such as `-c 'echo --format json'` never counts. Shapes the failure report even when
 * parsing itself failed.
 */
export function wantsJson(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return false;
    if (arg === "--json" || arg === "--format=json") return true;
    if (arg === "--format" && args[i + 1] === "json") return true;
    if (takesValue(arg)) i++;
  }
  return false;
}
