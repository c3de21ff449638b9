/**
 * Host configuration entries for `--print-config HOST`: the entry that starts this program from
 * an MCP host's configuration, with the command that runs it and the flags given, in the host's
 * own format (JSON, TOML or a shell command quoted for the platform). Pure: the caller supplies
 * the command, the flags and the platform.
 *
 * @module
 */

import { PROGRAM_NAME } from "../constants.ts";
import { BridgeError } from "../errors.ts";

/** The hosts `--print-config` knows. */
export const HOSTS = [
  "claude-desktop",
  "claude-code",
  "cursor",
  "vscode",
  "codex",
  "gemini",
] as const;

/** One MCP host. */
export type Host = typeof HOSTS[number];

/** What {@link formatHostConfig} needs. */
export interface HostConfigInput {
  host: Host;
  /** The server's name in the host (the `--server` name, or one derived from the URL). */
  name: string;
  /** The program to start: an absolute path. */
  command: string;
  /** Its arguments. */
  args: readonly string[];
  /** `Deno.build.os` of the machine the host runs on. */
  os: string;
}

/** The printed entry and a line telling where it goes. */
export interface HostConfig {
  /** For stdout: the entry, ending with a newline. */
  text: string;
  /** For stderr: where to paste it, or what to do with it. */
  hint: string;
}

/** Parses the value of `--print-config`. */
export function parseHost(text: string): Host {
  if ((HOSTS as readonly string[]).includes(text)) return text as Host;
  throw new BridgeError("usage", `Unknown host for --print-config: "${text}"`, {
    hint: `Use one of ${HOSTS.join(", ")}`,
  });
}

/** A server name for the host's configuration, from the server URL. */
export function nameFromUrl(url: URL): string {
  const name = `${url.hostname}${url.port ? `-${url.port}` : ""}`
    .replace(/^\[|\]$/g, "")
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name || PROGRAM_NAME;
}

/** Quotes a word for the shell of `os`: POSIX sh, or PowerShell on Windows. */
export function quoteShellWord(word: string, os: string): string {
  const safe = os === "windows" ? /^[A-Za-z0-9_@%+=:,./\\-]+$/ : /^[A-Za-z0-9_@%+=:,./-]+$/;
  if (safe.test(word)) return word;
  // Both quote literally in single quotes: sh ends and reopens them, PowerShell doubles them.
  return os === "windows"
    ? `'${word.replaceAll("'", "''")}'`
    : `'${word.replaceAll("'", `'"'"'`)}'`;
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

function claudeDesktopFile(os: string): string {
  if (os === "darwin") return "~/Library/Application Support/Claude/claude_desktop_config.json";
  if (os === "windows") return "%APPDATA%\\Claude\\claude_desktop_config.json";
  return "~/.config/Claude/claude_desktop_config.json";
}

/** The entry for `host`, in its format, with a hint on where it goes. */
export function formatHostConfig(input: HostConfigInput): HostConfig {
  const { name, command, os } = input;
  const args = [...input.args];
  const stdio = { command, args };
  switch (input.host) {
    case "claude-desktop":
      return {
        text: json({ mcpServers: { [name]: stdio } }),
        hint: `Merge this into "mcpServers" of ${
          claudeDesktopFile(os)
        }, then restart Claude Desktop`,
      };
    case "claude-code": {
      const words = ["claude", "mcp", "add", "--scope", "user", name, "--", command, ...args];
      return {
        text: words.map((word) => quoteShellWord(word, os)).join(" ") + "\n",
        hint: os === "windows"
          ? "Run this in PowerShell (--scope project writes .mcp.json instead)"
          : "Run this in a shell (--scope project writes .mcp.json instead)",
      };
    }
    case "cursor":
      return {
        text: json({ mcpServers: { [name]: stdio } }),
        hint:
          'Merge this into "mcpServers" of ~/.cursor/mcp.json (or .cursor/mcp.json in a project)',
      };
    case "vscode":
      return {
        text: json({ servers: { [name]: { type: "stdio", ...stdio } } }),
        hint:
          'Merge this into "servers" of .vscode/mcp.json (or run "MCP: Open User Configuration")',
      };
    case "codex": {
      const lines = [
        `[mcp_servers.${tomlKey(name)}]`,
        `command = ${JSON.stringify(command)}`,
        `args = [${args.map((arg) => JSON.stringify(arg)).join(", ")}]`,
      ];
      return {
        text: lines.join("\n") + "\n",
        hint: os === "windows"
          ? "Append this to %USERPROFILE%\\.codex\\config.toml"
          : "Append this to ~/.codex/config.toml",
      };
    }
    case "gemini":
      return {
        text: json({ mcpServers: { [name]: stdio } }),
        hint: 'Merge this into "mcpServers" of ~/.gemini/settings.json (or .gemini/settings.json)',
      };
  }
}
