/**
 * The client metadata side of RFC 7592 management, pure: parsing `--update-client` assignments,
 * merging them into the current client information with the current field types, and finding
 * which credentials a management response rotated. No I/O; the requests are in
 * `client_management.ts`, the flows with their persistence in `registration.ts`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @module
 */

import { BridgeError } from "../errors.ts";
import { type ClientInformation, UPDATE_FORBIDDEN_FIELDS } from "./client_management.ts";

/** Metadata fields whose value is an array of strings (RFC 7591 §2, OIDC registration). */
export const ARRAY_FIELDS: readonly string[] = Object.freeze([
  "redirect_uris",
  "grant_types",
  "response_types",
  "contacts",
  "post_logout_redirect_uris",
  "request_uris",
  "default_acr_values",
]);

/** Fields `--update-client` never changes: identity and credentials belong to the server. */
const NOT_ASSIGNABLE = new Set([
  "client_id",
  "client_secret",
  ...UPDATE_FORBIDDEN_FIELDS,
]);

/** A value given to `--update-client`, before it is merged. */
export type MetadataValue = string | number | boolean | null | string[] | Record<string, unknown>;

function splitTopLevel(text: string): string[] {
  // Split on commas that are outside brackets, braces and quotes, so JSON values stay whole.
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === "\\" && i + 1 < text.length) {
        current += char + text[++i];
        continue;
      }
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === "[" || char === "{") {
      depth++;
    } else if (char === "]" || char === "}") {
      depth--;
    } else if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

function parseValue(key: string, text: string): MetadataValue {
  let value = text.trim();
  if (
    value.length >= 2 && (value[0] === "'" || value[0] === '"') && value.at(-1) === value[0]
  ) {
    value = value.slice(1, -1);
    if (!ARRAY_FIELDS.includes(key)) return value;
  }
  if (value.startsWith("[") || value.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new BridgeError("usage", `Invalid JSON value for "${key}"`, {
        hint: 'Give arrays as a|b or as JSON, e.g. redirect_uris=["http://127.0.0.1:8080/cb"]',
      });
    }
    if (ARRAY_FIELDS.includes(key)) {
      if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== "string")) {
        throw new BridgeError("usage", `Invalid value for "${key}": expected a list of strings`);
      }
    }
    return parsed as MetadataValue;
  }
  if (ARRAY_FIELDS.includes(key)) {
    return value === "" ? [] : value.split("|").map((item) => item.trim()).filter(Boolean);
  }
  if (value === "null") return null;
  return value;
}

const NUMBER_FIELDS = new Set(["default_max_age"]);
const BOOLEAN_FIELDS = new Set([
  "require_auth_time",
  "require_pushed_authorization_requests",
  "dpop_bound_access_tokens",
  "tls_client_certificate_bound_access_tokens",
]);

/** Coerces a plain text value to the type the field has now (or is known to have). */
function coerceValue(key: string, value: MetadataValue, current: unknown): MetadataValue {
  if (typeof value !== "string") return value;
  if (
    (typeof current === "number" || NUMBER_FIELDS.has(key)) && /^-?\d+(\.\d+)?$/.test(value)
  ) {
    return Number(value);
  }
  if ((typeof current === "boolean" || BOOLEAN_FIELDS.has(key)) && /^(true|false)$/.test(value)) {
    return value === "true";
  }
  if (Array.isArray(current)) return value.split("|").map((item) => item.trim()).filter(Boolean);
  return value;
}

/**
 * Parses `--update-client` text: comma-separated `key=value` pairs. Array fields
 * ({@link ARRAY_FIELDS}) take `a|b|c` or a JSON array; `[…]`/`{…}` is JSON for any field; quotes
 * keep commas inside a value; `key=` or `key=null` removes the field. Other values stay text here
 * and take the type of the current field when merged (number, boolean, `a|b` list). Identity and
 * credential fields cannot be assigned.
 */
export function parseMetadataAssignments(text: string): Record<string, MetadataValue> {
  const changes: Record<string, MetadataValue> = {};
  const parts = splitTopLevel(text);
  if (parts.length === 0) {
    throw new BridgeError("usage", "No changes given to --update-client", {
      hint: 'Use --update-client "client_name=My client,contacts=a@example.com|b@example.com"',
    });
  }
  for (const part of parts) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    if (eq <= 0 || !/^[A-Za-z0-9_.\-#]+$/.test(key)) {
      throw new BridgeError("usage", `Invalid assignment in --update-client: "${key}"`, {
        hint: 'Use comma-separated key=value pairs, e.g. "client_name=My client"',
      });
    }
    if (NOT_ASSIGNABLE.has(key)) {
      throw new BridgeError("usage", `Cannot change "${key}" with --update-client`, {
        hint: "The client id and credentials are assigned by the authorization server",
      });
    }
    const raw = part.slice(eq + 1);
    changes[key] = raw.trim() === "" ? null : parseValue(key, raw);
  }
  return changes;
}

/**
 * The full metadata for an update: the current client information with `changes` applied
 * (`null` removes a field, text takes the current field's type), ready for
 * {@link updateClientRequest}.
 */
export function mergeClientMetadata(
  current: ClientInformation,
  changes: Readonly<Record<string, MetadataValue>>,
): ClientInformation {
  const merged: ClientInformation = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else merged[key] = coerceValue(key, value, current[key]);
  }
  return merged;
}

/** The stored RFC 7592 credentials of a client. */
export interface StoredClientCredentials {
  clientSecret?: string;
  registrationAccessToken?: string;
  registrationClientUri?: string;
}

/**
 * What changed in the credentials a management response carries: a new `client_secret`,
 * `registration_access_token` or `registration_client_uri` replaces the stored one ("the client
 * MUST immediately discard the previous" ones, RFC 7592 §3). Empty when nothing rotated.
 */
export function diffClientCredentials(
  stored: StoredClientCredentials,
  info: ClientInformation,
): StoredClientCredentials {
  const changes: StoredClientCredentials = {};
  if (info.client_secret && info.client_secret !== stored.clientSecret) {
    changes.clientSecret = info.client_secret;
  }
  if (
    info.registration_access_token &&
    info.registration_access_token !== stored.registrationAccessToken
  ) {
    changes.registrationAccessToken = info.registration_access_token;
  }
  if (
    info.registration_client_uri && info.registration_client_uri !== stored.registrationClientUri
  ) {
    changes.registrationClientUri = info.registration_client_uri;
  }
  return changes;
}
