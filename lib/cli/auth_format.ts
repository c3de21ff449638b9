/**
 * The human text of the authentication commands, pure: the sign-in summary (`--token`,
 * `--test-auth`), expiry times, RFC 7592 client information and the changes an update made.
 * Nothing here holds or prints a secret: tokens are present or absent, secrets set or not set.
 *
 * @module
 */

import type { Settings } from "../config/settings.ts";
import type { ClientInformation } from "../oauth/client_management.ts";
import type { StoredClientCredentials } from "../oauth/client_metadata.ts";
import type { StoredAuth } from "../oauth/token_state.ts";

const ANSI = { green: "\x1b[32m", red: "\x1b[31m", yellow: "\x1b[33m", dim: "\x1b[2m" } as const;

/** A color of the authentication output. */
export type Style = keyof typeof ANSI;

/** Colors `text` (or leaves it as it is). */
export type Paint = (style: Style, text: string) => string;

/** The painter for colored (terminal) or plain output. */
export function createPaint(color: boolean): Paint {
  return (style, text) => color && text !== "" ? `${ANSI[style]}${text}\x1b[0m` : text;
}

const plain: Paint = (_style, text) => text;

/** Lays out `label: value` rows with the values aligned. */
function formatRows(rows: ReadonlyArray<readonly [string, string]>, indent = "  "): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${indent}${`${label}:`.padEnd(width)} ${value}`);
}

/** A duration for humans: `45 s`, `12 min`, `3 h 5 min`, `4 days`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.round(hours / 24)} days`;
}

/** An absolute time with the time left (or since), e.g. `2026-01-01 10:00:00 UTC (in 59 min)`. */
export function formatExpiry(expiresAt: Date, now: number): string {
  const when = expiresAt.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const left = expiresAt.getTime() - now;
  return left > 0
    ? `${when} (in ${formatDuration(left)})`
    : `${when} (expired ${formatDuration(left)} ago)`;
}

/** The settings a summary reads. */
export type SummarySettings = Pick<
  Settings,
  "accessTokenSource" | "serverUrl" | "stateFile" | "oauth" | "headers"
>;

/** Whether `-H` or MCP_CLIENT_HEADERS gives an `Authorization` header (sent as it is). */
export function hasAuthorizationHeader(settings: Pick<Settings, "headers">): boolean {
  return settings.headers.some(([name]) => name.toLowerCase() === "authorization");
}

/** What `--token` and `--test-auth` report about the stored sign-in. Never holds a secret. */
export interface AuthSummary {
  server: string;
  stateFile: string;
  client: {
    id?: string;
    secret: boolean;
    issuer?: string;
    /** RFC 7592 management is possible (a registration URI and token are stored). */
    management: boolean;
  };
  token: {
    present: boolean;
    /**
     * `env` when MCP_CLIENT_ACCESS_TOKEN comes from the environment (a static token), `header`
     * when an `Authorization` header is given with `-H` or MCP_CLIENT_HEADERS.
     */
    source?: "env" | "state" | "header";
    expiresAt?: string;
    expiresInSeconds?: number;
    expired?: boolean;
    scope?: string;
    refreshToken: boolean;
  };
}

/** Builds the summary from the stored values and the settings. Pure. */
export function summarizeAuth(
  context: { settings: SummarySettings },
  stored: StoredAuth,
  now: number,
): AuthSummary {
  const { settings } = context;
  const envToken = settings.accessTokenSource === "env";
  const headerToken = !envToken && hasAuthorizationHeader(settings);
  const expiresAt = envToken || headerToken ? undefined : stored.expiresAt;
  return {
    server: settings.serverUrl.href,
    stateFile: settings.stateFile,
    client: {
      id: stored.clientId ?? settings.oauth.clientId,
      secret: Boolean(stored.clientSecret ?? settings.oauth.clientSecret),
      ...(stored.issuer ? { issuer: stored.issuer } : {}),
      management: Boolean(stored.registrationUri && stored.registrationToken),
    },
    token: {
      present: envToken || headerToken || Boolean(stored.accessToken),
      ...(envToken
        ? { source: "env" as const }
        : headerToken
        ? { source: "header" as const }
        : stored.accessToken
        ? { source: "state" as const }
        : {}),
      ...(expiresAt
        ? {
          expiresAt: expiresAt.toISOString(),
          expiresInSeconds: Math.round((expiresAt.getTime() - now) / 1000),
          expired: expiresAt.getTime() <= now,
        }
        : {}),
      ...(stored.scope ? { scope: stored.scope } : {}),
      refreshToken: Boolean(stored.refreshToken),
    },
  };
}

/** The human lines of a summary. */
export function formatAuthSummary(
  summary: AuthSummary,
  now: number,
  color: Paint = plain,
): string[] {
  const { client, token } = summary;
  let tokenText: string;
  if (!token.present) tokenText = color("yellow", "none");
  else if (token.source === "env") tokenText = "set (from MCP_CLIENT_ACCESS_TOKEN, static)";
  else if (token.source === "header") tokenText = "set (Authorization header from -H, static)";
  else if (!token.expiresAt) tokenText = "present (expiry unknown)";
  else {
    const text = `present, expires ${formatExpiry(new Date(token.expiresAt), now)}`;
    tokenText = token.expired ? color("red", text) : text;
  }
  const rows: Array<[string, string]> = [
    ["Server", summary.server],
    ["State file", summary.stateFile],
    ["Client id", client.id ?? "none (registers on sign-in)"],
    ["Client secret", client.secret ? "set" : "not set"],
  ];
  if (client.issuer) rows.push(["Issuer", client.issuer]);
  rows.push(["Management", client.management ? "RFC 7592 available" : "not available"]);
  rows.push(["Access token", tokenText]);
  rows.push(["Scope", token.scope ?? "none recorded"]);
  rows.push(["Refresh token", token.refreshToken ? "present" : "none"]);
  return formatRows(rows);
}

/** What a server said about itself in `initialize`. */
export interface ServerDescription {
  name: string;
  version: string;
  protocolVersion: string;
  /** `modern` (2026-07-28 and later, no initialize) or `legacy` (2025-11-25 and older). */
  era?: "modern" | "legacy";
}

/** `"name" version (protocol …, … era)`. */
export function describeServer(info: ServerDescription): string {
  const era = info.era === undefined ? "" : `, ${info.era} era`;
  return `"${info.name}" ${info.version} (protocol ${info.protocolVersion}${era})`;
}

/** The lines saying which credentials the server rotated (RFC 7592 §3). */
export function describeRotation(rotated: StoredClientCredentials): string[] {
  const lines: string[] = [];
  if (rotated.clientSecret) lines.push("The server issued a new client secret; saved");
  if (rotated.registrationAccessToken) {
    lines.push("The server issued a new registration access token; saved");
  }
  if (rotated.registrationClientUri) lines.push("The server moved the registration URI; saved");
  return lines;
}

/** Client metadata fields that hold secrets. */
export const SECRET_FIELDS = new Set(["client_secret", "registration_access_token"]);

/** Client information with its secrets replaced by `[redacted]` (as the logger does), for printing. */
export function maskClientInformation(info: ClientInformation): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(info)) {
    masked[key] = SECRET_FIELDS.has(key) && value ? "[redacted]" : value;
  }
  return masked;
}

/** One metadata value for people: times as ISO dates, lists joined, secrets hidden. */
export function formatFieldValue(key: string, value: unknown): string {
  if (SECRET_FIELDS.has(key)) return value ? "[redacted]" : "not set";
  if (
    typeof value === "number" && /_(at)$/.test(key) && value > 0
  ) {
    return `${new Date(value * 1000).toISOString().replace(/\.\d+Z$/, "Z")} (${value})`;
  }
  if (key === "client_secret_expires_at" && value === 0) return "0 (never)";
  if (Array.isArray(value)) {
    return value.every((v) => typeof v === "string")
      ? (value.length ? value.join(", ") : "(empty)")
      : JSON.stringify(value);
  }
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** The human lines of client information, secrets hidden, identity first. */
export function formatClientInformation(info: ClientInformation): string[] {
  const first = [
    "client_id",
    "client_name",
    "client_secret",
    "client_id_issued_at",
    "client_secret_expires_at",
    "token_endpoint_auth_method",
    "grant_types",
    "response_types",
    "redirect_uris",
    "scope",
    "application_type",
  ];
  const keys = [
    ...first.filter((k) => k in info),
    ...Object.keys(info).filter((k) => !first.includes(k)).sort(),
  ];
  return formatRows(keys.map((key) => [key, formatFieldValue(key, info[key])] as const));
}

/** What `--update-client` changed, field by field. */
export interface ClientChanges {
  /** Fields whose value the update changed (secrets shown as undefined). */
  changed: Array<{ field: string; before: unknown; after: unknown; applied: boolean }>;
  /** Requested fields that already had the requested value. */
  unchanged: string[];
  /** Requested fields the server kept as they were. */
  refused: string[];
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Compares the registration before and after an update of `requested` fields. Pure. */
export function diffClientChanges(options: {
  requested: readonly string[];
  before: ClientInformation;
  desired: Record<string, unknown>;
  after: ClientInformation;
}): ClientChanges {
  const { before, desired, after } = options;
  const result: ClientChanges = { changed: [], unchanged: [], refused: [] };
  for (const field of options.requested) {
    if (!sameValue(before[field], after[field])) {
      result.changed.push({
        field,
        before: SECRET_FIELDS.has(field) ? undefined : before[field],
        after: SECRET_FIELDS.has(field) ? undefined : after[field],
        applied: sameValue(after[field], desired[field]),
      });
    } else if (sameValue(after[field], desired[field])) result.unchanged.push(field);
    else result.refused.push(field);
  }
  return result;
}

/** The human lines of {@link ClientChanges}: only real changes, then what stayed as it was. */
export function formatClientChanges(
  clientId: string,
  changes: ClientChanges,
  color: Paint = plain,
): string[] {
  const lines = [
    changes.changed.length ? `Updated client "${clientId}"` : `Client "${clientId}" is unchanged`,
  ];
  const shown = (value: unknown) => value === undefined ? "(unset)" : formatFieldValue("", value);
  for (const change of changes.changed) {
    const chosen = change.applied ? "" : color("yellow", " (the server chose this value)");
    lines.push(`  ${change.field}: ${shown(change.before)} -> ${shown(change.after)}${chosen}`);
  }
  if (changes.unchanged.length) lines.push(`Already set: ${changes.unchanged.join(", ")}`);
  if (changes.refused.length) {
    lines.push(color("yellow", `Not applied by the server: ${changes.refused.join(", ")}`));
  }
  return lines;
}
