/**
 * The `--help` text, the README's flags section and the exit-code table, all produced from data
 * here, from `FLAGS` and from `ERROR_TABLE`, so tests can hold the help text, the README and the
 * code to one another. Pure: returns strings.
 *
 * @module
 */

import { PROGRAM_NAME, PROGRAM_VERSION } from "../constants.ts";
import { BridgeError, ERROR_TABLE, type ErrorKind, ExitCode } from "../errors.ts";
import { type FlagName, FLAGS } from "./args.ts";
import { closestMatch } from "./suggest.ts";

/** Help for one flag. */
export interface FlagHelp {
  flag: FlagName;
  /** Placeholder of the flag's value, for string flags: `URL`, `SECONDS`, … */
  value?: string;
  /** Environment variable (or `.env` key) that sets the same thing. */
  env?: string;
  /** One sentence, no trailing period. */
  text: string;
  /** Shown in the short `--help` too (the rest only in `--help-all` and `help TOPIC`). */
  brief?: true;
}

/** A group of flags, in the README's order. */
export interface HelpSection {
  /** The name for `help TOPIC`. */
  topic: string;
  title: string;
  flags: FlagHelp[];
}

/** Every flag of {@link FLAGS}, grouped like the README. */
export const HELP_SECTIONS: readonly HelpSection[] = [
  {
    topic: "connection",
    title: "Connection",
    flags: [
      {
        flag: "server-url",
        brief: true,
        value: "URL",
        env: "MCP_SERVER_URL",
        text: "The MCP endpoint",
      },
      {
        flag: "server",
        value: "NAME",
        text: "Use server NAME of the config file (--config): its url, headers, token, scope",
      },
      {
        flag: "config",
        value: "FILE",
        env: "MCP_CLIENT_CONFIG",
        text: "The config file with a servers map (default: servers.json in the config directory)",
      },
      {
        flag: "env-file",
        value: "PATH",
        env: "MCP_CLIENT_ENV_FILE",
        text: "The server's state file (default: one per server in the config directory)",
      },
      {
        flag: "header",
        brief: true,
        value: '"NAME: VALUE"',
        env: "MCP_CLIENT_HEADERS",
        text: "Extra request header, repeatable; ${VAR} expands from the environment",
      },
      {
        flag: "transport",
        value: "auto|streamable-http|sse",
        env: "MCP_CLIENT_TRANSPORT",
        text: "Transport to speak; auto falls back to legacy HTTP+SSE (default auto)",
      },
      {
        flag: "protocol",
        value: "auto|2026-07-28|2025-11-25|2025-06-18|2025-03-26",
        env: "MCP_CLIENT_PROTOCOL",
        text: "Protocol era toward the server; auto probes once and remembers (default auto)",
      },
      {
        flag: "timeout",
        value: "SECONDS",
        env: "MCP_CLIENT_TIMEOUT",
        text: "Per-request timeout, reset by progress; 0 disables it (default 60)",
      },
      {
        flag: "allow-http",
        env: "MCP_CLIENT_ALLOW_HTTP",
        text: "Allow plain http:// to a non-loopback host",
      },
      {
        flag: "cert",
        value: "PEM",
        env: "MCP_CLIENT_CA_FILE",
        text: "Extra CA certificates to trust",
      },
      {
        flag: "cookies",
        env: "MCP_CLIENT_COOKIES",
        text: "Keep cookies in memory, for load balancers that pin sessions with them",
      },
    ],
  },
  {
    topic: "output",
    title: "Output and logging",
    flags: [
      {
        flag: "log-level",
        value: "LEVEL",
        env: "MCP_CLIENT_LOG_LEVEL",
        text: "DEBUG, INFO, WARNING or ERROR, on stderr (default WARNING)",
      },
      { flag: "verbose", brief: true, text: "Same as --log-level DEBUG (MCP_DEBUG=1 too)" },
      {
        flag: "log-file",
        value: "PATH",
        env: "MCP_CLIENT_LOG_FILE",
        text: "Also append stderr, timestamped, to PATH (mode 0600), for hosts that hide stderr",
      },
      {
        flag: "json",
        brief: true,
        text: "Print exactly one JSON document on stdout (same as --format json)",
      },
      { flag: "format", value: "text|json", text: "Output format of the client modes" },
      { flag: "help", brief: true, text: "Show the short help" },
      { flag: "help-all", brief: true, text: "Show every flag (or: help TOPIC)" },
      { flag: "version", text: "Show the version" },
    ],
  },
  {
    topic: "modes",
    title: "Modes (without one, the program is a stdio ⇄ Streamable HTTP bridge)",
    flags: [
      { flag: "list-tools", brief: true, text: "List the tools with their parameters (all pages)" },
      {
        flag: "list-resources",
        brief: true,
        text: "List the resources and resource templates (all pages)",
      },
      {
        flag: "list-prompts",
        brief: true,
        text: "List the prompts with their arguments (all pages)",
      },
      {
        flag: "command",
        brief: true,
        value: "'TOOL ARGS'",
        text: "Call a tool; ARGS is key=value pairs, a JSON object, or one bare value",
      },
      { flag: "read-resource", value: "URI", text: "Read a resource" },
      {
        flag: "get-prompt",
        value: "'NAME ARGS'",
        text: "Get a prompt; ARGS as for --command",
      },
      {
        flag: "raw",
        value: "JSON",
        text: "Send one JSON-RPC message (jsonrpc and id filled in) and print the response",
      },
      {
        flag: "print-config",
        value: "HOST",
        text:
          "Print the entry that runs this program with these flags for HOST: claude-desktop, claude-code, cursor, vscode, codex or gemini",
      },
    ],
  },
  {
    topic: "auth",
    title: "Authentication",
    flags: [
      {
        flag: "token",
        brief: true,
        text:
          "Show the sign-in state, refresh or sign in, test the token and save it; --token TOKEN tests a given token",
      },
      {
        flag: "test-auth",
        brief: true,
        text: "Check the server and the current token without changing them",
      },
      {
        flag: "print-token",
        text:
          "With --token: print the access token on stdout for scripts (a `token` field with --json)",
      },
      {
        flag: "reset-auth",
        brief: true,
        text: "Forget tokens and the client registration (deleted at the server once confirmed)",
      },
      {
        flag: "keep-registration",
        text: "With --reset-auth: keep the client registration at the server",
      },
      { flag: "get-client-info", text: "Show the client registration (RFC 7592)" },
      {
        flag: "update-client",
        value: '"k=v,k2=v2"',
        text: "Update the client registration (RFC 7592)",
      },
      { flag: "delete-client", text: "Delete the client registration (RFC 7592)" },
      { flag: "yes", text: "Delete at the server without asking (--delete-client, --reset-auth)" },
      {
        flag: "scope",
        value: "SCOPES",
        env: "MCP_CLIENT_SCOPE",
        text: "Scopes to request instead of the server's",
      },
      {
        flag: "no-resource",
        env: "MCP_CLIENT_NO_RESOURCE",
        text: "Omit the RFC 8707 resource parameter (for servers that reject it)",
      },
      {
        flag: "callback-port",
        value: "PORT",
        env: "MCP_CLIENT_CALLBACK_PORT",
        text: "Port of the loopback sign-in callback (default: stable per server)",
      },
      {
        flag: "callback-host",
        value: "127.0.0.1|localhost",
        env: "MCP_CLIENT_CALLBACK_HOST",
        text: "Host name in the redirect URI (default 127.0.0.1)",
      },
      {
        flag: "auth-timeout",
        value: "SECONDS",
        env: "MCP_CLIENT_AUTH_TIMEOUT",
        text: "How long to wait for the browser sign-in (default 300)",
      },
      {
        flag: "client-metadata-url",
        value: "URL",
        env: "MCP_CLIENT_METADATA_URL",
        text: "Client ID metadata document to use when the server supports it",
      },
      {
        flag: "client-credentials",
        text: "Sign in with MCP_CLIENT_ID and its secret or key, no browser",
      },
      {
        flag: "client-key",
        value: "FILE",
        env: "MCP_CLIENT_PRIVATE_KEY",
        text: "Private key (PEM or JWK) for private_key_jwt client authentication",
      },
      {
        flag: "device-code",
        text: "Sign in with a code on another device (RFC 8628 device flow)",
      },
      {
        flag: "idp-issuer",
        value: "URL",
        env: "MCP_CLIENT_IDP_ISSUER",
        text: "Cross-app access: exchange the user's ID token at this identity provider",
      },
      {
        flag: "idp-client-id",
        value: "ID",
        env: "MCP_CLIENT_IDP_CLIENT_ID",
        text: "Cross-app access: the client id at the identity provider",
      },
      {
        flag: "id-token-file",
        value: "FILE",
        env: "MCP_CLIENT_ID_TOKEN",
        text: "Cross-app access: the user's ID token (the variable holds the token itself)",
      },
    ],
  },
];

/** Short meaning of each exit code, the first column of the exit-code table. */
const EXIT_CODE_MEANINGS: Readonly<Record<keyof typeof ExitCode, string>> = {
  ok: "Success",
  serverError: "The server answered with an error, or a tool result has `isError: true`",
  usage: "Usage error: unknown flag, bad arguments, unknown tool or prompt",
  config: "Configuration error: no or invalid server URL, bad setting",
  auth: "Authentication needed or failed",
  unreachable: "Server unreachable, HTTP or protocol failure",
  timeout: "A request timed out",
  interrupted: "Interrupted by Ctrl-C (SIGINT) or SIGTERM during a sign-in or a request",
};

/** One row of the exit-code table. */
export interface ExitCodeRow {
  code: number;
  meaning: string;
  /** Error kinds from ERROR_TABLE with this exit code. */
  kinds: ErrorKind[];
}

/** The exit-code table, built from {@link ExitCode} and {@link ERROR_TABLE}. */
export function listExitCodes(): ExitCodeRow[] {
  return (Object.keys(ExitCode) as (keyof typeof ExitCode)[])
    .map((name) => ({
      code: ExitCode[name],
      meaning: EXIT_CODE_MEANINGS[name],
      kinds: (Object.keys(ERROR_TABLE) as ErrorKind[])
        .filter((kind) => ERROR_TABLE[kind].exitCode === ExitCode[name]),
    }))
    .sort((a, b) => a.code - b.code);
}

/** The exit-code table as plain text for `--help`. */
export function formatExitCodeTable(): string {
  return listExitCodes()
    .map((row) => `  ${row.code}  ${row.meaning.replaceAll("`", "")}`)
    .join("\n") + "\n";
}

/** The exit-code table as Markdown for the README; a test keeps the README equal to it. */
export function formatExitCodeMarkdown(): string {
  const lines = ["| Code | Meaning | Error kinds (`error.kind` in `--json`) |", "|---|---|---|"];
  for (const row of listExitCodes()) {
    const kinds = row.kinds.map((kind) => `\`${kind}\``).join(", ") || "—";
    lines.push(`| ${row.code} | ${row.meaning} | ${kinds} |`);
  }
  return lines.join("\n") + "\n";
}

function flagLabel(help: FlagHelp): string {
  const spec = FLAGS[help.flag] as { short?: string };
  const long = `--${help.flag}${help.value ? ` ${help.value}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}

/** The flags as Markdown tables, one per section, for the README; kept equal by a test. */
export function formatFlagsMarkdown(): string {
  const out: string[] = [];
  for (const section of HELP_SECTIONS) {
    out.push(`**${section.title}**`, "", "| Flag | Environment | Description |", "|---|---|---|");
    for (const help of section.flags) {
      const label = flagLabel(help).trim().replaceAll("|", "\\|");
      const env = help.env ? `\`${help.env}\`` : "";
      out.push(`| \`${label}\` | ${env} | ${help.text.replaceAll("|", "\\|")} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** Width the help text is wrapped to, in columns. */
export const HELP_WIDTH = 80;

/** Widest flag label that keeps its description on the same line. */
const LABEL_WIDTH = 24;

function wrap(text: string, indent: number, first: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(" ")) {
    if (line.length > indent && line.length + 1 + word.length > HELP_WIDTH) {
      lines.push(line);
      line = " ".repeat(indent) + word;
    } else line += (line.length > indent ? " " : "") + word;
  }
  lines.push(line);
  return lines.map((wrapped) => wrapped.replaceAll("\u00a0", " "));
}

/** The label column of `flags`: as wide as their labels, at most {@link LABEL_WIDTH}. */
function labelWidth(flags: readonly FlagHelp[]): number {
  return Math.min(LABEL_WIDTH, Math.max(...flags.map((help) => flagLabel(help).length)));
}

function formatFlags(flags: readonly FlagHelp[], withEnv: boolean, width: number): string[] {
  const labels = flags.map(flagLabel);
  const indent = width + 4;
  return flags.flatMap((help, i) => {
    // "[env NAME]" stays on one line: joined by a no-break space while wrapping.
    const text = withEnv && help.env ? `${help.text} [env\u00a0${help.env}]` : help.text;
    const label = `  ${labels[i]}`;
    if (labels[i].length > width) return [label, ...wrap(text, indent, " ".repeat(indent))];
    return wrap(text, indent, `${label.padEnd(indent)}`);
  });
}

const USAGE: ReadonlyArray<readonly [string, string]> = [
  ["URL", "bridge stdio to the server"],
  ["URL --list-tools", "list the server's tools"],
  ["URL -c 'echo message=hi'", "call a tool"],
  ["URL --token", "sign in, save the tokens"],
];

function formatUsage(): string[] {
  const width = Math.max(...USAGE.map(([args]) => args.length));
  return [
    "Usage:",
    ...USAGE.map(([args, text]) => `  ${PROGRAM_NAME} ${args.padEnd(width)}  ${text}`),
  ];
}

const ARGUMENTS_HELP = [
  "Arguments of -c and --get-prompt (typed by the tool's input schema):",
  "  key=value pairs       -c 'add a=1 b=-2.5e3'",
  `  quotes group words    -c "echo message='Hello World'"`,
  `  a JSON object         -c 'add {"a":1,"b":2}'`,
  "  one bare value        -c 'echo Hello World' (the only required parameter)",
];

const SETTINGS_HELP = [
  "Settings come from the flag, else the environment, else the --server entry of",
  "the config file, else the server's .env state file, else a .env in the working",
  "directory. Logs go to stderr (and --log-file); stdout carries only the program's",
  "output. MCP_DEBUG=1 means --log-level DEBUG.",
];

/** The topics of `help TOPIC`, beside the flag sections' own. */
const EXTRA_TOPICS: Readonly<Record<string, () => string[]>> = {
  arguments: () => ARGUMENTS_HELP,
  "exit-codes": () => ["Exit codes:", formatExitCodeTable().trimEnd()],
  settings: () => SETTINGS_HELP,
};

/** Every name `help TOPIC` accepts. */
export function listHelpTopics(): string[] {
  return [...HELP_SECTIONS.map((section) => section.topic), ...Object.keys(EXTRA_TOPICS)];
}

function header(): string[] {
  return [
    `${PROGRAM_NAME} ${PROGRAM_VERSION}`,
    "A stdio ⇄ Streamable HTTP bridge for MCP servers, with OAuth, and a",
    "command-line MCP client.",
    "",
    ...formatUsage(),
  ];
}

/** The short help of `--help`: the common flags of each group. */
export function formatHelp(): string {
  const lines = header();
  const width = labelWidth(HELP_SECTIONS.flatMap((section) => section.flags));
  for (const section of HELP_SECTIONS) {
    const brief = section.flags.filter((help) => help.brief);
    if (brief.length === 0) continue;
    lines.push("", `${section.title}:`, ...formatFlags(brief, false, width));
  }
  lines.push(
    "",
    ...wrap(
      `Every flag: --help-all. One group: help TOPIC, where TOPIC is one of ${
        listHelpTopics().join(", ")
      }.`,
      0,
      "",
    ),
    "",
  );
  return lines.join("\n");
}

/** The full help of `--help-all`: every flag with its environment variable. */
export function formatFullHelp(): string {
  const lines = header();
  const width = labelWidth(HELP_SECTIONS.flatMap((section) => section.flags));
  for (const section of HELP_SECTIONS) {
    lines.push("", `${section.title}:`, ...formatFlags(section.flags, true, width));
  }
  for (const topic of Object.values(EXTRA_TOPICS)) lines.push("", ...topic());
  lines.push("");
  return lines.join("\n");
}

/**
 * The help of one topic (`help TOPIC`), or of everything for `all`; throws a usage error for an
 * unknown topic.
 */
export function formatHelpTopic(topic: string): string {
  const name = topic.toLowerCase();
  if (name === "all") return formatFullHelp();
  const section = HELP_SECTIONS.find((candidate) => candidate.topic === name);
  if (section) {
    const flags = formatFlags(section.flags, true, labelWidth(section.flags));
    return [`${section.title}:`, ...flags, ""].join("\n");
  }
  const extra = EXTRA_TOPICS[name];
  if (extra) return [...extra(), ""].join("\n");
  const suggestion = listHelpTopics().find((candidate) => candidate.startsWith(name)) ??
    closestMatch(name, listHelpTopics());
  throw new BridgeError("usage", `Unknown help topic: "${topic}"`, {
    hint: suggestion
      ? `Did you mean "help ${suggestion}"?`
      : `Topics: ${listHelpTopics().join(", ")}`,
  });
}
