/**
 * Parsing and checking single setting values: the server URL, `Name: value` headers with
 * `${VAR}` expansion, durations in seconds, ports and switches. Pure apart from registering an
 * `Authorization` header's value for redaction; each refusal is a `config` BridgeError with a
 * hint. Which source a value comes from is settings.ts's job.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";
import { registerSecret } from "../log.ts";
import { allowsPlainHttp } from "../net.ts";

/** A `config` BridgeError with an optional hint. */
export function configError(message: string, hint?: string): BridgeError {
  return new BridgeError("config", message, hint ? { hint } : {});
}

/** Parses and checks the server URL. */
export function parseServerUrl(text: string | undefined, allowHttp: boolean): URL {
  if (!text || text.trim() === "") {
    throw configError(
      "No server URL configured",
      "Pass --server-url https://host/mcp or set MCP_SERVER_URL",
    );
  }
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw configError(
      `Invalid server URL: "${text.trim()}"`,
      "Use a full URL like https://host/mcp",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw configError(`Unsupported server URL scheme: "${url.protocol}"`, "Use https://");
  }
  if (url.username || url.password) {
    throw configError("Server URL must not contain credentials", "Use MCP_CLIENT_ACCESS_TOKEN");
  }
  if (!allowsPlainHttp(url, allowHttp)) {
    throw configError(
      `Refusing plain HTTP to a remote host: "${url.host}"`,
      "Use https://, or pass --allow-http if you accept sending credentials unencrypted",
    );
  }
  return url;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_HEADERS = new Set([
  "content-type",
  "accept",
  "content-length",
  "host",
  "mcp-session-id",
  "mcp-protocol-version",
  "last-event-id",
]);

/** Replaces `${NAME}` in `value` with the environment's value; a missing one is an error. */
export function expandVariables(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined) {
      throw configError(
        `Header refers to an unset environment variable: "${name}"`,
        `Set ${name} or remove it from the header`,
      );
    }
    return found;
  });
}

/**
 * Parses one `Name: value` header specification.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.1
 */
export function parseHeader(
  spec: string,
  env: Readonly<Record<string, string>>,
): [string, string] {
  const colon = spec.indexOf(":");
  if (colon <= 0) {
    throw configError(`Invalid header: "${spec.split(":")[0]}"`, 'Use "Name: value"');
  }
  const name = spec.slice(0, colon).trim();
  if (!HEADER_NAME.test(name)) throw configError(`Invalid header name: "${name}"`);
  if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
    throw configError(`Header is managed by the bridge: "${name}"`);
  }
  const value = expandVariables(spec.slice(colon + 1).trim(), env);
  if (/[\r\n\0]/.test(value)) throw configError(`Invalid header value for "${name}"`);
  if (name.toLowerCase() === "authorization") registerSecret(value);
  return [name, value];
}

/** Milliseconds from a number of seconds; 0 only when `allowZero`. */
export function parseSeconds(text: string, what: string, allowZero: boolean): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw configError(`Invalid ${what}: "${text}"`, `Give ${what} in seconds, e.g. 30`);
  }
  return Math.round(value * 1000);
}

/** A TCP port from 1 to 65535. */
export function parsePort(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw configError(`Invalid callback port: "${text}"`, "Give a port from 1 to 65535");
  }
  return value;
}

/** A switch's text: `1`, `true`, `yes` or `on` (any case) is on, anything else off. */
export function parseBoolean(text: string | undefined): boolean {
  return text !== undefined && /^(1|true|yes|on)$/i.test(text.trim());
}
