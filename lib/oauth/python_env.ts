/**
 * Taking over the sign-in the Python `mcp-streamablehttp-client` left in the working directory's
 * `.env` (its only store): the access and refresh tokens, the client id and secret and the RFC
 * 7592 registration. They are copied once into this server's state file, so the user need not
 * sign in again; the `.env` itself is left as it is, and a marker in the state file keeps a later
 * `--reset-auth` from importing the same stale tokens again. Pure: it plans the changes, the
 * caller writes them under the state lock and says so on stderr.
 *
 * @module
 */

import {
  MCP_CLIENT_ACCESS_TOKEN,
  MCP_CLIENT_ID,
  MCP_CLIENT_REFRESH_TOKEN,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
  MCP_CLIENT_SECRET,
  MCP_SERVER_URL,
} from "./state_keys.ts";
import { stripBearerPrefix } from "../secrets.ts";

/** The state key that records where an import came from; present means "already imported". */
export const MCP_CLIENT_IMPORTED_FROM = "MCP_CLIENT_IMPORTED_FROM";

/** The keys the Python tool wrote, taken over as they are. */
export const PYTHON_ENV_KEYS: readonly string[] = Object.freeze([
  MCP_CLIENT_ACCESS_TOKEN,
  MCP_CLIENT_REFRESH_TOKEN,
  MCP_CLIENT_ID,
  MCP_CLIENT_SECRET,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
]);

/** The inputs of {@link planPythonEnvImport}. */
export interface PythonEnvImportInputs {
  /** The working directory's `.env` and its values. */
  cwdFile: string;
  cwdValues: Readonly<Record<string, string>>;
  /** The server's state file and its values. */
  stateFile: string;
  stateValues: Readonly<Record<string, string>>;
  serverUrl: URL;
}

function sameOrigin(text: string | undefined, serverUrl: URL): boolean {
  try {
    return text !== undefined && new URL(text).origin === serverUrl.origin;
  } catch {
    return false;
  }
}

/**
 * The state-file changes that import the working directory's `.env`, or undefined when there is
 * nothing to import: no token or client there, a `.env` for another server (its `MCP_SERVER_URL`
 * must have the same origin), a state file that already holds a sign-in, or one imported before.
 */
export function planPythonEnvImport(
  inputs: PythonEnvImportInputs,
): Record<string, string> | undefined {
  const { cwdValues, stateValues } = inputs;
  if (inputs.cwdFile === inputs.stateFile) return undefined;
  if (stateValues[MCP_CLIENT_IMPORTED_FROM] !== undefined) return undefined;
  if (!sameOrigin(cwdValues[MCP_SERVER_URL], inputs.serverUrl)) return undefined;
  const signedIn = [MCP_CLIENT_ACCESS_TOKEN, MCP_CLIENT_REFRESH_TOKEN, MCP_CLIENT_ID];
  if (!signedIn.some((key) => cwdValues[key])) return undefined;
  if (signedIn.some((key) => stateValues[key])) return undefined;
  const changes: Record<string, string> = {};
  for (const key of PYTHON_ENV_KEYS) {
    if (cwdValues[key]) changes[key] = cwdValues[key];
  }
  if (changes[MCP_CLIENT_ACCESS_TOKEN]) {
    changes[MCP_CLIENT_ACCESS_TOKEN] = stripBearerPrefix(changes[MCP_CLIENT_ACCESS_TOKEN]);
  }
  changes[MCP_CLIENT_IMPORTED_FROM] = inputs.cwdFile;
  return changes;
}
