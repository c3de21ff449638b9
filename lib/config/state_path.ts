/**
 * Where a server's state file lives: `<config dir>/mcp-streamablehttp-client/<host>_<hash>.env`,
 * keyed by the canonical server URL so every server (and every path on one host) has its own
 * sign-in, and the path helpers the state store and its lock share. Pure apart from hashing.
 *
 * @module
 */

import { PROGRAM_NAME } from "../constants.ts";

/** The directory part of a file path (`/` or `\\` separated); undefined when it has none. */
export function parentDirectory(path: string): string | undefined {
  const index = lastSeparator(path);
  return index > 0 ? path.slice(0, index) : undefined;
}

/** The file name part of a path. */
export function baseName(path: string): string {
  return path.slice(lastSeparator(path) + 1);
}

function lastSeparator(path: string): number {
  return Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
}

/**
 * The canonical form of an MCP server URL (RFC 8707 resource): lower-case scheme and host, no
 * fragment, no default port, no trailing slash on the path.
 */
export function canonicalServerUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = "";
  let text = copy.href;
  if (copy.pathname === "/" && copy.search === "") text = text.slice(0, -1);
  else if (copy.pathname.endsWith("/") && copy.search === "") text = text.replace(/\/+$/, "");
  return text;
}

/** The user's configuration directory for the platform, from the environment given. */
export function configDirectory(env: Readonly<Record<string, string | undefined>>, os: string) {
  if (os === "windows" && env.APPDATA) return env.APPDATA;
  if (env.XDG_CONFIG_HOME) return env.XDG_CONFIG_HOME;
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) return undefined;
  return os === "windows" ? `${home}\\AppData\\Roaming` : `${home}/.config`;
}

async function shortHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The default state file path for `serverUrl`, or undefined when no config dir is known. */
export async function defaultStateFilePath(
  serverUrl: URL,
  env: Readonly<Record<string, string | undefined>>,
  os: string = Deno.build.os,
): Promise<string | undefined> {
  const dir = configDirectory(env, os);
  if (!dir) return undefined;
  const separator = os === "windows" ? "\\" : "/";
  const host = serverUrl.hostname.replace(/[^A-Za-z0-9.-]/g, "_") +
    (serverUrl.port ? `_${serverUrl.port}` : "");
  const hash = await shortHash(canonicalServerUrl(serverUrl));
  return [dir, PROGRAM_NAME, `${host}_${hash}.env`].join(separator);
}
