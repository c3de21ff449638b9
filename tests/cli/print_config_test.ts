/**
 * `--print-config HOST`, by spawning the program (each host, flags carried over, paths made
 * absolute, a Windows path) and through the pure formatter (Windows quoting).
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { formatHostConfig, HOSTS, quoteShellWord } from "../../lib/cli/host_config.ts";
import { createTempDir, runMain, START_TASK_FLAGS } from "../support/main_process.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** What a host runs when the program runs from source (as the tests spawn it). */
const LAUNCHER = [
  Deno.execPath(),
  "run",
  `--config=${ROOT}deno.json`,
  ...START_TASK_FLAGS,
  `${ROOT}main.ts`,
];
const URL_FLAGS = ["--server-url", "https://docs.example.com/mcp"];

interface StdioEntry {
  command: string;
  args: string[];
  type?: string;
}

function entryOf(host: string, stdout: string, name: string): StdioEntry {
  switch (host) {
    case "vscode":
      return JSON.parse(stdout).servers[name];
    case "codex": {
      const lines = stdout.trimEnd().split("\n");
      assert.equal(lines[0], `[mcp_servers.${name}]`);
      const value = (key: string) =>
        JSON.parse(lines.find((line) => line.startsWith(`${key} = `))!.slice(key.length + 3));
      return { command: value("command"), args: value("args") };
    }
    case "claude-code": {
      const prefix = `claude mcp add --scope user ${name} -- `;
      assert.ok(stdout.startsWith(prefix), stdout);
      return { command: "", args: [] };
    }
    default:
      return JSON.parse(stdout).mcpServers[name];
  }
}

for (const host of HOSTS) {
  Deno.test(`--print-config ${host} prints the entry with this program and the flags given`, async () => {
    const result = await runMain([...URL_FLAGS, "--scope", "docs:read", "--print-config", host]);
    assert.equal(result.code, 0, result.stderr);
    assert.notEqual(result.stderr.trim(), "", "where to paste it goes to stderr");
    const expectedArgs = [...LAUNCHER.slice(1), ...URL_FLAGS, "--scope", "docs:read"];
    if (host === "claude-code") {
      assert.equal(
        result.stdout,
        `claude mcp add --scope user docs-example-com -- ${
          [LAUNCHER[0], ...expectedArgs].map((w) => quoteShellWord(w, Deno.build.os)).join(" ")
        }\n`,
      );
      return;
    }
    const entry = entryOf(host, result.stdout, "docs-example-com");
    assert.equal(entry.command, LAUNCHER[0]);
    assert.deepEqual(entry.args, expectedArgs);
    if (host === "vscode") assert.equal(entry.type, "stdio");
  });
}

Deno.test("--print-config names the --server entry and makes paths absolute", async () => {
  const dir = createTempDir();
  Deno.writeTextFileSync(
    `${dir}/servers.json`,
    JSON.stringify({ servers: { docs: { url: "https://docs.example.com/mcp" } } }),
  );
  const result = await runMain(
    ["--server", "docs", "--log-file", "bridge.log", "-v", "--print-config", "claude-desktop"],
    { cwd: dir, env: { MCP_CLIENT_CONFIG: "servers.json" } },
  );
  assert.equal(result.code, 0, result.stderr);
  const realDir = Deno.realPathSync(dir);
  assert.deepEqual(JSON.parse(result.stdout).mcpServers.docs.args.slice(LAUNCHER.length - 1), [
    "--server",
    "docs",
    "--verbose",
    "--log-file",
    `${realDir}/bridge.log`,
    "--config",
    `${realDir}/servers.json`,
  ]);
  assert.match(result.stderr, /claude_desktop_config\.json/);
});

Deno.test("--print-config carries a Windows path exactly, escaped for each format", async () => {
  const windowsPath = "C:\\Users\\Ada Lovelace\\mcp state.env";
  for (const host of ["claude-desktop", "codex", "claude-code"] as const) {
    const result = await runMain([...URL_FLAGS, "--env-file", windowsPath, "--print-config", host]);
    assert.equal(result.code, 0, result.stderr);
    if (host === "claude-desktop") {
      assert.ok(result.stdout.includes('"C:\\\\Users\\\\Ada Lovelace\\\\mcp state.env"'));
      assert.equal(
        JSON.parse(result.stdout).mcpServers["docs-example-com"].args.at(-1),
        windowsPath,
      );
    } else if (host === "codex") {
      assert.deepEqual(entryOf(host, result.stdout, "docs-example-com").args.slice(-2), [
        "--env-file",
        windowsPath,
      ]);
    } else {
      assert.ok(result.stdout.trimEnd().endsWith(`--env-file '${windowsPath}'`), result.stdout);
    }
  }
});

Deno.test("--print-config needs a server and a known host", async () => {
  const none = await runMain(["--print-config", "cursor"]);
  assert.equal(none.code, 3);
  assert.equal(none.stdout, "");
  assert.match(none.stderr, /No server URL configured/);
  const unknown = await runMain([...URL_FLAGS, "--print-config", "zed"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown host for --print-config: "zed"/);
  assert.match(unknown.stderr, /claude-desktop, claude-code, cursor, vscode, codex, gemini/);
  const withMode = await runMain([...URL_FLAGS, "--list-tools", "--print-config", "cursor"]);
  assert.equal(withMode.code, 2);
  const withReset = await runMain([...URL_FLAGS, "--reset-auth", "--print-config", "cursor"]);
  assert.equal(withReset.code, 2);
});

Deno.test("host entries on Windows: JSON and TOML escape backslashes, PowerShell quotes", () => {
  const command = "C:\\Program Files\\mcp\\mcp-streamablehttp-client.exe";
  const args = ["--server", "docs", "--cert", "C:\\certs\\it's.pem"];
  const input = { name: "docs", command, args, os: "windows" };
  const desktop = formatHostConfig({ ...input, host: "claude-desktop" });
  assert.equal(
    desktop.text,
    [
      "{",
      '  "mcpServers": {',
      '    "docs": {',
      '      "command": "C:\\\\Program Files\\\\mcp\\\\mcp-streamablehttp-client.exe",',
      '      "args": [',
      '        "--server",',
      '        "docs",',
      '        "--cert",',
      `        "C:\\\\certs\\\\it's.pem"`,
      "      ]",
      "    }",
      "  }",
      "}",
      "",
    ].join("\n"),
  );
  assert.match(desktop.hint, /%APPDATA%\\Claude\\claude_desktop_config\.json/);
  assert.equal(
    formatHostConfig({ ...input, host: "codex" }).text,
    "[mcp_servers.docs]\n" +
      'command = "C:\\\\Program Files\\\\mcp\\\\mcp-streamablehttp-client.exe"\n' +
      `args = ["--server", "docs", "--cert", "C:\\\\certs\\\\it's.pem"]\n`,
  );
  assert.equal(
    formatHostConfig({ ...input, host: "claude-code" }).text,
    "claude mcp add --scope user docs -- " +
      "'C:\\Program Files\\mcp\\mcp-streamablehttp-client.exe' --server docs --cert " +
      "'C:\\certs\\it''s.pem'\n",
  );
  assert.equal(quoteShellWord("C:\\tools\\mcp.exe", "windows"), "C:\\tools\\mcp.exe");
  assert.equal(quoteShellWord("/opt/my tools/mcp", "linux"), "'/opt/my tools/mcp'");
  assert.equal(quoteShellWord("it's", "darwin"), `'it'"'"'s'`);
});
