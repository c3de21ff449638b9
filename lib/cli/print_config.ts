/**
 * The `--print-config HOST` mode: checks that a server is configured (`--server` in the config
 * file, or a server URL), rebuilds the flags given as arguments for the host (paths made
 * absolute, since hosts start programs in an unspecified directory) and prints the host's entry
 * on stdout, with where it goes on stderr. It contacts no server.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { configFilePath, readServerEntry } from "../config/config_file.ts";
import { parseServerUrl } from "../config/setting_values.ts";
import { BridgeError, ExitCode } from "../errors.ts";
import type { ProcessIo } from "../process_io.ts";
import { type FlagName, FLAGS, type ParsedFlags } from "./args.ts";
import { formatHostConfig, nameFromUrl, parseHost } from "./host_config.ts";
import { writeStdout } from "./stdout.ts";

const PATH_FLAGS: ReadonlySet<FlagName> = new Set(["config", "env-file", "cert", "log-file"]);

/** A path as the host must see it: absolute (a Windows drive or UNC path counts as absolute). */
function absolutePath(path: string, cwd: string): string {
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\")) return path;
  return resolve(cwd, path);
}

/** The flags given, as arguments for the host entry: long names, FLAGS order, paths absolute. */
export function hostArguments(flags: ParsedFlags, cwd: string): string[] {
  const args: string[] = [];
  for (const name of Object.keys(FLAGS) as FlagName[]) {
    const value = flags[name];
    if (name === "print-config" || value === undefined || value === false) continue;
    if (value === true) {
      args.push(`--${name}`);
      continue;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      args.push(`--${name}`, PATH_FLAGS.has(name) ? absolutePath(item, cwd) : item);
    }
  }
  return args;
}

/** Runs `--print-config HOST`; resolves to the exit code. */
export async function runPrintConfig(
  host: string,
  flags: ParsedFlags,
  io: ProcessIo,
  env: Readonly<Record<string, string>>,
): Promise<number> {
  const chosen = parseHost(host);
  if (!io.launcher || io.launcher.length === 0) {
    throw new BridgeError("internal", "Cannot tell which command runs this program");
  }
  const cwd = Deno.cwd();
  const args = hostArguments(flags, cwd);
  let name: string;
  if (flags.server !== undefined) {
    const path = configFilePath(flags.config, env);
    if (!path) {
      throw new BridgeError("config", "Cannot find a configuration directory for the config file", {
        hint: "Set HOME or XDG_CONFIG_HOME, or pass --config FILE",
      });
    }
    await readServerEntry(path, flags.server);
    // The host does not see this shell's environment: name the file explicitly.
    if (flags.config === undefined && env.MCP_CLIENT_CONFIG) {
      args.push("--config", absolutePath(env.MCP_CLIENT_CONFIG, cwd));
    }
    name = flags.server;
  } else {
    const url = parseServerUrl(
      flags["server-url"] ?? env.MCP_SERVER_URL,
      Boolean(flags["allow-http"]),
    );
    if (flags["server-url"] === undefined) args.unshift("--server-url", url.href);
    name = nameFromUrl(url);
  }
  const [command, ...prefix] = io.launcher;
  const entry = formatHostConfig({
    host: chosen,
    name,
    command,
    args: [...prefix, ...args],
    os: Deno.build.os,
  });
  await writeStdout(io, entry.text);
  io.stderr(entry.hint);
  if ((flags.header ?? []).some((header) => /^\s*authorization\s*:/i.test(header))) {
    io.stderr(
      'Warning: the entry holds the Authorization header as given; "${VAR}" in it keeps the ' +
        "secret in the host's environment instead",
    );
  }
  return ExitCode.ok;
}
