import assert from "node:assert/strict";
import { type FlagName, FLAGS } from "../../lib/cli/args.ts";
import { HELP_SECTIONS } from "../../lib/cli/flag_help.ts";
import {
  formatFullHelp,
  formatHelp,
  formatHelpTopic,
  HELP_WIDTH,
  listHelpTopics,
} from "../../lib/cli/help.ts";
import {
  formatExitCodeMarkdown,
  formatExitCodeTable,
  formatFlagsMarkdown,
  formatRpcErrorMarkdown,
  listExitCodes,
} from "../../lib/cli/reference.ts";
import { ERROR_TABLE, type ErrorKind, ExitCode } from "../../lib/errors.ts";
import { runMain } from "../support/main_process.ts";

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

/** The text of a README section: from its marker to the next marker. */
function readmeSection(name: string): string {
  const marker = `<!-- section:${name} -->`;
  const start = README.indexOf(marker);
  assert.ok(start >= 0, `README has the ${marker} marker`);
  const end = README.indexOf("<!-- section:", start + marker.length);
  return README.slice(start + marker.length, end < 0 ? undefined : end);
}

/**
 * Markdown with table cells trimmed and blank lines dropped, so a table compares equal before
 * and after `deno fmt` pads its columns.
 */
function normalizeMarkdown(text: string): string[] {
  return text.split("\n").map((line) => {
    const trimmed = line.trim();
    if (!trimmed.startsWith("|")) return trimmed;
    const cells = trimmed.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim());
    return "|" + cells.map((cell) => /^-+$/.test(cell) ? "---" : cell).join("|") + "|";
  }).filter((line) => line !== "");
}

function assertContainsBlock(haystack: string[], needle: string[], what: string): void {
  const at = haystack.indexOf(needle[0]);
  assert.ok(at >= 0, `${what}: first line not found:\n${needle[0]}`);
  assert.deepEqual(
    haystack.slice(at, at + needle.length),
    needle,
    `${what} differs from the generated text; paste this instead:\n${needle.join("\n")}`,
  );
}

const allFlags = Object.keys(FLAGS) as FlagName[];

Deno.test("the help sections document every flag exactly once", () => {
  const documented = HELP_SECTIONS.flatMap((section) => section.flags.map((help) => help.flag));
  assert.deepEqual([...documented].sort(), [...allFlags].sort());
  assert.equal(new Set(documented).size, documented.length);
});

function assertFitsTerminal(text: string): void {
  for (const line of text.split("\n")) {
    assert.ok([...line].length <= HELP_WIDTH, `wider than ${HELP_WIDTH} columns: ${line}`);
  }
}

Deno.test("--help is short, grouped and at most 80 columns wide", async () => {
  const result = await runMain(["--help"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, formatHelp());
  assert.equal(HELP_WIDTH, 80);
  assertFitsTerminal(result.stdout);
  assert.ok(result.stdout.split("\n").length <= 45, "the short help stays short");
  for (const section of ["Connection:", "Output and logging:", "Modes", "Authentication:"]) {
    assert.ok(result.stdout.includes(section), `--help has the ${section} group`);
  }
  for (const section of HELP_SECTIONS) {
    for (const help of section.flags.filter((flag) => flag.brief)) {
      assert.match(result.stdout, new RegExp(`--${help.flag}\\b`), `--help shows --${help.flag}`);
    }
  }
  assert.match(result.stdout, /--help-all/);
  assert.match(result.stdout, /help TOPIC/);
  assert.ok(!result.stdout.includes("--client-metadata-url"), "rare flags only in --help-all");
});

Deno.test("--help-all and help all show every flag and the exit codes", async () => {
  const result = await runMain(["--help-all"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, formatFullHelp());
  assertFitsTerminal(result.stdout);
  for (const flag of allFlags) {
    assert.match(result.stdout, new RegExp(`--${flag}\\b`), `--help-all mentions --${flag}`);
    const short = (FLAGS[flag] as { short?: string }).short;
    if (short) assert.ok(result.stdout.includes(`-${short}, --${flag}`), `-${short} shown`);
  }
  assert.ok(result.stdout.includes(formatExitCodeTable()), "--help-all has the exit-code table");
  assert.equal((await runMain(["help", "all"])).stdout, formatFullHelp());
});

Deno.test("help and help TOPIC print help; an unknown topic gets a suggestion", async () => {
  const bare = await runMain(["help"]);
  assert.equal(bare.code, 0);
  assert.equal(bare.stdout, formatHelp());
  for (const topic of listHelpTopics()) {
    const result = await runMain(["help", topic]);
    assert.equal(result.code, 0, topic);
    assert.equal(result.stderr, "");
    assert.equal(result.stdout, formatHelpTopic(topic));
    assertFitsTerminal(result.stdout);
  }
  assert.match(formatHelpTopic("auth"), /--client-metadata-url URL/);
  assert.match(formatHelpTopic("exit-codes"), /^Exit codes:/);
  const unknown = await runMain(["help", "exit"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, "");
  assert.equal(
    unknown.stderr,
    'Error: Unknown help topic: "exit"\nHint: Did you mean "help exit-codes"?\n',
  );
});

Deno.test("the README flags section lists every flag, as generated", () => {
  const section = readmeSection("flags");
  for (const flag of allFlags) {
    assert.match(section, new RegExp(`--${flag}\\b`), `README flags section mentions --${flag}`);
  }
  assertContainsBlock(
    normalizeMarkdown(section),
    normalizeMarkdown(formatFlagsMarkdown()),
    "README flags section",
  );
});

Deno.test("the README exit-code table is the one produced from the error table", () => {
  assertContainsBlock(
    normalizeMarkdown(readmeSection("exit-codes")),
    normalizeMarkdown(formatExitCodeMarkdown()),
    "README exit-code table",
  );
});

Deno.test("the README's JSON-RPC error table is the one produced from the error table", () => {
  const table = formatRpcErrorMarkdown();
  assertContainsBlock(
    normalizeMarkdown(readmeSection("proxy")),
    normalizeMarkdown(table),
    "README JSON-RPC error table",
  );
  for (let code = -31001; code >= -31011; code--) {
    assert.ok(table.includes(`| ${code} |`), `the table has ${code}`);
  }
});

Deno.test("the README documents the --json document of every mode", () => {
  const section = readmeSection("cli");
  for (
    const mode of [
      "--list-tools",
      "--list-resources",
      "--list-prompts",
      "-c",
      "--read-resource",
      "--get-prompt",
      "--raw",
      "--token",
      "--test-auth",
      "--reset-auth",
      "--get-client-info",
      "--update-client",
      "--delete-client",
    ]
  ) {
    assert.ok(section.includes(`| \`${mode}`), `the --json table has a row for ${mode}`);
  }
});

Deno.test("the exit-code table covers every exit code and every error kind", () => {
  const rows = listExitCodes();
  assert.deepEqual(rows.map((row) => row.code), [0, 1, 2, 3, 4, 5, 6, 130]);
  assert.deepEqual(
    rows.map((row) => row.code),
    Object.values(ExitCode).sort((a, b) => a - b),
  );
  const kinds = rows.flatMap((row) => row.kinds);
  assert.deepEqual([...kinds].sort(), (Object.keys(ERROR_TABLE) as ErrorKind[]).sort());
  for (const row of rows) {
    for (const kind of row.kinds) assert.equal(ERROR_TABLE[kind].exitCode, row.code);
  }
  assert.deepEqual(rows.find((row) => row.code === 6)?.kinds, ["timeout"]);
  assert.deepEqual(rows.find((row) => row.code === 4)?.kinds, ["auth_required", "auth_failed"]);
  assert.deepEqual(rows.find((row) => row.code === 130)?.kinds, ["interrupted"]);
});

Deno.test("the README sections this issue owns are filled in", () => {
  for (
    const [name, heading] of [
      ["install", "## Install"],
      ["claude-desktop", "## Claude Desktop"],
      ["cli", "## Command-line modes"],
      ["flags", "## Flags"],
      ["exit-codes", "## Exit codes"],
      ["ci", "## CI smoke test"],
      ["troubleshooting", "## Troubleshooting"],
    ]
  ) {
    assert.ok(readmeSection(name).trimStart().startsWith(heading), `section ${name}`);
  }
  assert.match(readmeSection("install"), /--target aarch64-unknown-linux-gnu/);
  assert.match(readmeSection("claude-desktop"), /"mcpServers"/);
  assert.match(readmeSection("ci"), /-c 'echo message=hi'/);
  assert.match(readmeSection("flags"), /--help-all/);
  assert.match(readmeSection("flags"), /help TOPIC/);
});
