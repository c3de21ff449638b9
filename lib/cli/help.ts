/**
 * The help text: the short `--help`, the full `--help-all` and `help TOPIC`, laid out in 80
 * columns from `HELP_SECTIONS`. Pure: returns strings.
 *
 * @module
 */

import { PROGRAM_NAME, PROGRAM_VERSION } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { type FlagHelp, flagLabel, HELP_SECTIONS } from "./flag_help.ts";
import { formatExitCodeTable } from "./reference.ts";
import { closestMatch } from "./suggest.ts";

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
