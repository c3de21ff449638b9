/**
 * The configuration file of the Python tool: JSON with a `servers` map, one entry per server with
 * its `url` and optional `headers`, `token` and `scope`. `--server NAME` picks an entry; its values
 * sit between the environment and the server's state file in the settings order. Parsing is pure;
 * {@link readServerEntry} reads the file.
 *
 * ```json
 * { "servers": { "docs": { "url": "https://docs.example.com/mcp", "scope": "docs:read" } } }
 * ```
 *
 * @module
 */

import { PROGRAM_NAME } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { configDirectory } from "./state_path.ts";

/** One server of the configuration file. */
export interface ServerEntry {
  /** The MCP endpoint. */
  url: string;
  /** Extra request headers, name to value; `${VAR}` expands from the environment. */
  headers?: Readonly<Record<string, string>>;
  /** A static access token (`Bearer ` prefix optional), as `MCP_CLIENT_ACCESS_TOKEN`. */
  token?: string;
  /** Scopes to request, as `--scope`. */
  scope?: string;
}

const ENTRY_KEYS = ["url", "headers", "token", "scope"] as const;

/** The name of the configuration file in the program's configuration directory. */
export const CONFIG_FILE_NAME = "servers.json";

function invalid(path: string, message: string, hint?: string): BridgeError {
  return new BridgeError("config", `Invalid config file "${path}": ${message}`, {
    hint: hint ?? `Write it as {"servers": {"NAME": {"url": "https://host/mcp"}}}`,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one entry of the `servers` map. */
function parseEntry(path: string, name: string, value: unknown): ServerEntry {
  if (!isRecord(value)) throw invalid(path, `server "${name}" is not an object`);
  for (const key of Object.keys(value)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
      throw invalid(
        path,
        `server "${name}" has an unknown key "${key}"`,
        `A server takes ${ENTRY_KEYS.map((k) => `"${k}"`).join(", ")}`,
      );
    }
  }
  if (typeof value.url !== "string" || value.url.trim() === "") {
    throw invalid(path, `server "${name}" has no "url"`);
  }
  for (const key of ["token", "scope"] as const) {
    if (value[key] !== undefined && typeof value[key] !== "string") {
      throw invalid(path, `"${key}" of server "${name}" is not a string`);
    }
  }
  let headers: Record<string, string> | undefined;
  if (value.headers !== undefined) {
    if (!isRecord(value.headers)) {
      throw invalid(path, `"headers" of server "${name}" is not an object of strings`);
    }
    headers = {};
    for (const [header, text] of Object.entries(value.headers)) {
      if (typeof text !== "string") {
        throw invalid(path, `header "${header}" of server "${name}" is not a string`);
      }
      headers[header] = text;
    }
  }
  return {
    url: value.url,
    ...(headers === undefined ? {} : { headers }),
    ...(value.token === undefined ? {} : { token: value.token as string }),
    ...(value.scope === undefined ? {} : { scope: value.scope as string }),
  };
}

/** Parses the file's text and returns every server in it; throws `config` errors. */
export function parseConfigFile(path: string, text: string): Map<string, ServerEntry> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw invalid(path, error instanceof SyntaxError ? error.message : "not JSON");
  }
  if (!isRecord(document) || !isRecord(document.servers)) {
    throw invalid(path, 'it has no "servers" object');
  }
  const servers = new Map<string, ServerEntry>();
  for (const [name, value] of Object.entries(document.servers)) {
    servers.set(name, parseEntry(path, name, value));
  }
  return servers;
}

/** Picks server `name` from the parsed file, with a hint naming the known ones. */
export function selectServer(
  path: string,
  servers: ReadonlyMap<string, ServerEntry>,
  name: string,
): ServerEntry {
  const entry = servers.get(name);
  if (entry) return entry;
  const names = [...servers.keys()];
  throw new BridgeError("config", `Unknown server "${name}" in config file "${path}"`, {
    hint: names.length > 0
      ? `Servers in the file: ${names.map((n) => `"${n}"`).join(", ")}`
      : `Add it under "servers" in the file`,
  });
}

/**
 * The settings an entry supplies, under the environment variable names they stand for, so the
 * settings order can place them between the environment and the state file.
 */
export function entryValues(entry: ServerEntry): Record<string, string> {
  const values: Record<string, string> = { MCP_SERVER_URL: entry.url };
  if (entry.headers) {
    values.MCP_CLIENT_HEADERS = Object.entries(entry.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join("\n");
  }
  if (entry.token !== undefined) values.MCP_CLIENT_ACCESS_TOKEN = entry.token;
  if (entry.scope !== undefined) values.MCP_CLIENT_SCOPE = entry.scope;
  return values;
}

/** The configuration file to read: `--config`, else `MCP_CLIENT_CONFIG`, else the default. */
export function configFilePath(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  os: string = Deno.build.os,
): string | undefined {
  if (flag) return flag;
  if (env.MCP_CLIENT_CONFIG) return env.MCP_CLIENT_CONFIG;
  const dir = configDirectory(env, os);
  if (!dir) return undefined;
  const separator = os === "windows" ? "\\" : "/";
  return [dir, PROGRAM_NAME, CONFIG_FILE_NAME].join(separator);
}

/** Reads the configuration file at `path` and returns server `name`. */
export async function readServerEntry(path: string, name: string): Promise<ServerEntry> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const missing = error instanceof Deno.errors.NotFound;
    throw new BridgeError(
      "config",
      missing ? `Config file not found: "${path}"` : `Cannot read config file "${path}"`,
      {
        hint: missing
          ? `Create it with {"servers": {"${name}": {"url": "https://host/mcp"}}}, or pass --config FILE`
          : "Check the file's permissions, or pass --config FILE",
      },
    );
  }
  return selectServer(path, parseConfigFile(path, text), name);
}

/**
 * The settings of the `--server` entry (see {@link entryValues}); none without `--server`.
 * `--config` alone is a usage error: it names a file but no server in it.
 */
export async function readConfigValues(
  flags: { server?: string; config?: string },
  env: Readonly<Record<string, string | undefined>>,
): Promise<Record<string, string>> {
  if (flags.server === undefined) {
    if (flags.config === undefined) return {};
    throw new BridgeError("usage", "Flag --config needs --server NAME", {
      hint: "Pick the server of the config file to use with --server NAME",
    });
  }
  const path = configFilePath(flags.config, env);
  if (!path) {
    throw new BridgeError("config", "Cannot find a configuration directory for the config file", {
      hint: "Set HOME or XDG_CONFIG_HOME, or pass --config FILE",
    });
  }
  return entryValues(await readServerEntry(path, flags.server));
}
