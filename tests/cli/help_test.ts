import assert from "node:assert/strict";
import { type FlagName, FLAGS } from "../../lib/cli/args.ts";
import {
  formatExitCodeMarkdown,
  formatExitCodeTable,
  formatFlagsMarkdown,
  formatHelp,
  HELP_SECTIONS,
  listExitCodes,
} from "../../lib/cli/help.ts";
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

Deno.test("--help prints the help on stdout with every flag and exits 0", async () => {
  const result = await runMain(["--help"]);
  assert.equal(result.code, 0);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout, formatHelp());
  for (const flag of allFlags) {
    assert.match(result.stdout, new RegExp(`--${flag}\\b`), `--help mentions --${flag}`);
    const short = (FLAGS[flag] as { short?: string }).short;
    if (short) assert.ok(result.stdout.includes(`-${short}, --${flag}`), `-${short} shown`);
  }
  for (const section of ["Connection:", "Output and logging:", "Modes", "Authentication:"]) {
    assert.ok(result.stdout.includes(section), `--help has the ${section} group`);
  }
  assert.ok(result.stdout.includes(formatExitCodeTable()), "--help has the exit-code table");
  for (const line of result.stdout.split("\n")) assert.ok(line.length <= 100, line);
});

Deno.test("-h is --help", async () => {
  const result = await runMain(["-h"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, formatHelp());
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

Deno.test("the exit-code table covers every exit code and every error kind", () => {
  const rows = listExitCodes();
  assert.deepEqual(rows.map((row) => row.code), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(rows.map((row) => row.code), Object.values(ExitCode).sort());
  const kinds = rows.flatMap((row) => row.kinds);
  assert.deepEqual([...kinds].sort(), (Object.keys(ERROR_TABLE) as ErrorKind[]).sort());
  for (const row of rows) {
    for (const kind of row.kinds) assert.equal(ERROR_TABLE[kind].exitCode, row.code);
  }
  assert.deepEqual(rows.find((row) => row.code === 6)?.kinds, ["timeout"]);
  assert.deepEqual(rows.find((row) => row.code === 4)?.kinds, ["auth_required", "auth_failed"]);
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
});
