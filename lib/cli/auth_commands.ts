/**
 * The authentication commands: `--token` (show the sign-in, renew it as needed, prove it against
 * the server), `--test-auth` (check connectivity and the stored token without changing
 * anything), `--reset-auth` (forget tokens and the client registration, deleting it at the server
 * first when RFC 7592 allows), and RFC 7592 client management (`--get-client-info`,
 * `--update-client`, `--delete-client`). Human output goes to stdout, warnings and progress to
 * stderr; with `--json` stdout carries exactly one JSON document. Nothing here prints a token or a
 * secret: tokens are shown as present or absent, secrets as set or not set. Loaded only when one
 * of these modes is chosen.
 *
 * @module
 */

import { type EnvStore, openEnvStore } from "../config/env_store.ts";
import { BridgeError, ERROR_TABLE, ExitCode, toBridgeError } from "../errors.ts";
import { redact } from "../log.ts";
import type { ClientInformation, StoredClientCredentials } from "../oauth/client_management.ts";
import type { RegistrationContext } from "../oauth/registration.ts";
import { CLIENT_KEYS, TOKEN_KEYS } from "../oauth/state_keys.ts";
import { isOAuthManager, type OAuthManager } from "../oauth/provider.ts";
import { readStoredAuth, type StoredAuth } from "../oauth/token_state.ts";
import { createStaticCredentials } from "../transport/no_credentials.ts";
import type { CredentialProvider } from "../transport/types.ts";
import type { Mode } from "./args.ts";
import type { ModeContext } from "./context.ts";
import { writeStdout as writeIoStdout } from "./stdout.ts";

function asOAuthManager(credentials: CredentialProvider): OAuthManager | undefined {
  return isOAuthManager(credentials) ? credentials : undefined;
}

/** The store of the server's state: the manager's own (so its lock is reentrant), else a new one. */
function stateStore(context: ModeContext): EnvStore {
  return asOAuthManager(context.credentials)?.store ?? openEnvStore(context.settings.stateFile);
}

// ---------------------------------------------------------------------------------------------
// Output

function writeStdout(context: ModeContext, text: string): Promise<void> {
  return writeIoStdout(context.io, text);
}

/** Prints human lines on stdout; a no-op with `--json`. */
async function say(context: ModeContext, ...lines: string[]): Promise<void> {
  if (context.settings.json || lines.length === 0) return;
  await writeStdout(context, redact(lines.join("\n")) + "\n");
}

/** Prints the one `--json` document of a successful run. */
async function printResult(context: ModeContext, result: unknown): Promise<void> {
  if (!context.settings.json) return;
  await writeStdout(context, redact(JSON.stringify({ ok: true, result })) + "\n");
}

/**
 * Reports a failure after some result is already known: stderr lines, and with `--json` a
 * document carrying both the result so far and the error. Returns the exit code.
 */
async function reportFailure(
  context: ModeContext,
  error: BridgeError,
  result: unknown,
): Promise<number> {
  if (context.settings.json) {
    const body = {
      ok: false,
      result,
      error: {
        kind: error.kind,
        message: error.message,
        hint: error.hint,
        ...(error.status === undefined ? {} : { status: error.status }),
      },
    };
    await writeStdout(context, redact(JSON.stringify(body)) + "\n");
  }
  context.io.stderr(redact(`Error: ${error.message}`));
  context.io.stderr(redact(`Hint: ${error.hint}`));
  return error.exitCode;
}

const ANSI = { green: "\x1b[32m", red: "\x1b[31m", yellow: "\x1b[33m", dim: "\x1b[2m" } as const;

function paint(context: ModeContext, style: keyof typeof ANSI, text: string): string {
  return context.color ? `${ANSI[style]}${text}\x1b[0m` : text;
}

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

// ---------------------------------------------------------------------------------------------
// The state summary

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
    /** `env` when MCP_CLIENT_ACCESS_TOKEN comes from the environment (a static token). */
    source?: "env" | "state";
    expiresAt?: string;
    expiresInSeconds?: number;
    expired?: boolean;
    scope?: string;
    refreshToken: boolean;
  };
}

/** Builds the summary from the stored values and the settings. Pure. */
export function summarizeAuth(
  context: Pick<ModeContext, "settings">,
  stored: StoredAuth,
  now: number,
): AuthSummary {
  const { settings } = context;
  const envToken = settings.accessTokenSource === "env";
  const expiresAt = envToken ? undefined : stored.expiresAt;
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
      present: envToken || Boolean(stored.accessToken),
      ...(envToken ? { source: "env" as const } : stored.accessToken ? { source: "state" } : {}),
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
  color: (style: keyof typeof ANSI, text: string) => string = (_s, t) => t,
): string[] {
  const { client, token } = summary;
  let tokenText: string;
  if (!token.present) tokenText = color("yellow", "none");
  else if (token.source === "env") tokenText = "set (from MCP_CLIENT_ACCESS_TOKEN, static)";
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

async function readSummary(context: ModeContext, store: EnvStore) {
  const stored = readStoredAuth(await store.read());
  const now = Date.now();
  const summary = summarizeAuth(context, stored, now);
  const manager = asOAuthManager(context.credentials);
  if (manager) {
    // The manager knows whether a pre-registered client from the environment wins.
    const status = await manager.status();
    summary.client.id = status.clientId;
    summary.client.secret = status.hasClientSecret;
  }
  return { stored, summary, now };
}

/** Opens a session (initialize), closes it, and returns what the server said about itself. */
async function probeServer(context: ModeContext, credentials: CredentialProvider) {
  const { openClient } = await import("./client.ts");
  const client = await openClient({ ...context, credentials });
  try {
    return {
      name: client.serverInfo.name,
      version: client.serverInfo.version,
      protocolVersion: client.protocolVersion,
    };
  } finally {
    await client.close();
  }
}

function describeServer(info: { name: string; version: string; protocolVersion: string }) {
  return `"${info.name}" ${info.version} (protocol ${info.protocolVersion})`;
}

// ---------------------------------------------------------------------------------------------
// --test-auth

async function runTestAuth(context: ModeContext): Promise<number> {
  const store = stateStore(context);
  const { stored, summary, now } = await readSummary(context, store);
  await say(
    context,
    "Authentication status",
    ...formatAuthSummary(summary, now, (s, t) => paint(context, s, t)),
    "",
  );
  // The file is read now: a `--reset-auth` run just before may have emptied it.
  const token = context.settings.accessTokenSource === "env"
    ? context.settings.accessToken
    : stored.accessToken;
  // Read-only: the stored token as it is, no refresh, no sign-in, nothing written.
  const credentials = createStaticCredentials(token);
  const result: Record<string, unknown> = { ...summary };
  try {
    const server = await probeServer(context, credentials);
    result.serverInfo = server;
    result.accepted = true;
    await say(
      context,
      `Connected to ${describeServer(server)}`,
      token
        ? paint(context, "green", "Access token accepted by the server")
        : paint(context, "green", "Server does not require authentication"),
    );
    await printResult(context, result);
    return ExitCode.ok;
  } catch (error) {
    const failure = toBridgeError(error);
    result.accepted = false;
    if (failure.kind === "auth_required" || failure.kind === "auth_failed") {
      const rejected = token !== undefined;
      const message = rejected
        ? `Server rejected the access token${summary.token.expired ? " (it has expired)" : ""}`
        : "Server requires authentication and no access token is stored";
      await say(context, paint(context, "red", message));
      return await reportFailure(
        context,
        new BridgeError(rejected ? "auth_failed" : "auth_required", message, {
          status: failure.status,
          hint: summary.token.source === "env"
            ? "Replace MCP_CLIENT_ACCESS_TOKEN, or unset it and sign in with --token"
            : rejected && summary.token.refreshToken
            ? "Run `mcp-streamablehttp-client --token` to refresh it"
            : ERROR_TABLE.auth_required.hint,
        }),
        result,
      );
    }
    await say(
      context,
      paint(
        context,
        "red",
        failure.exitCode === ExitCode.unreachable
          ? "Cannot connect to the server"
          : "Connection test failed",
      ),
    );
    return await reportFailure(context, failure, result);
  }
}

// ---------------------------------------------------------------------------------------------
// --token

async function runToken(context: ModeContext): Promise<number> {
  const manager = asOAuthManager(context.credentials);
  const store = stateStore(context);
  const before = await readSummary(context, store);
  await say(
    context,
    "Stored authentication",
    ...formatAuthSummary(before.summary, before.now, (s, t) => paint(context, s, t)),
    "",
  );
  const result: Record<string, unknown> = { before: before.summary };

  let action = "none";
  if (manager && context.settings.accessTokenSource !== "env") {
    try {
      await manager.ensureToken();
    } catch (error) {
      return await reportFailure(context, toBridgeError(error), result);
    }
    const afterRenewal = readStoredAuth(await store.read());
    if (afterRenewal.accessToken !== before.stored.accessToken) {
      action = before.stored.accessToken ? "refreshed" : "signed-in";
    }
  }
  if (action === "refreshed") await say(context, "Access token refreshed");
  if (action === "signed-in") await say(context, "Signed in");

  try {
    // Through the manager: a token the server refuses is renewed once and tried again.
    result.serverInfo = await probeServer(context, context.credentials);
    result.accepted = true;
  } catch (error) {
    result.accepted = false;
    const after = await readSummary(context, store);
    result.after = after.summary;
    const failure = toBridgeError(error);
    if (failure.kind === "auth_required" || failure.kind === "auth_failed") {
      await say(context, paint(context, "red", "Server rejected the access token"));
    }
    return await reportFailure(context, failure, result);
  }

  const after = await readSummary(context, store);
  if (after.stored.accessToken !== before.stored.accessToken && action === "none") {
    // The server refused the stored token and the manager renewed it while connecting.
    action = before.stored.accessToken ? "renewed" : "signed-in";
  }
  result.action = action;
  result.after = after.summary;
  const server = result.serverInfo as { name: string; version: string; protocolVersion: string };
  await say(
    context,
    paint(context, "green", `Access token accepted by ${describeServer(server)}`),
    "",
    "Saved authentication",
    ...formatAuthSummary(after.summary, after.now, (s, t) => paint(context, s, t)),
  );
  await printResult(context, result);
  return ExitCode.ok;
}

// ---------------------------------------------------------------------------------------------
// RFC 7592 helpers

function registrationContext(
  context: ModeContext,
  store: EnvStore = stateStore(context),
): RegistrationContext {
  return {
    store,
    requestOptions() {
      const timeout = context.settings.timeoutMs > 0
        ? AbortSignal.timeout(context.settings.timeoutMs)
        : undefined;
      const signals = [context.io.signal, ...(timeout ? [timeout] : [])];
      return {
        fetch: context.fetch,
        allowHttp: context.settings.allowHttp,
        signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals),
      };
    },
  };
}

function describeRotation(rotated: StoredClientCredentials): string[] {
  const lines: string[] = [];
  if (rotated.clientSecret) lines.push("The server issued a new client secret; saved");
  if (rotated.registrationAccessToken) {
    lines.push("The server issued a new registration access token; saved");
  }
  if (rotated.registrationClientUri) lines.push("The server moved the registration URI; saved");
  return lines;
}

const SECRET_FIELDS = new Set(["client_secret", "registration_access_token"]);

/** Client information with its secrets replaced by `[redacted]` (as the logger does), for printing. */
export function maskClientInformation(info: ClientInformation): Record<string, unknown> {
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(info)) {
    masked[key] = SECRET_FIELDS.has(key) && value ? "[redacted]" : value;
  }
  return masked;
}

function formatFieldValue(key: string, value: unknown): string {
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

// ---------------------------------------------------------------------------------------------
// --get-client-info

async function runGetClientInfo(context: ModeContext): Promise<number> {
  const { readRegistration } = await import("../oauth/registration.ts");
  const { registration, info, rotated, saved } = await readRegistration(
    registrationContext(context),
  );
  await say(
    context,
    `Client registration at ${new URL(registration.uri).origin}`,
    ...formatClientInformation(info),
    ...describeRotation(rotated),
  );
  await printResult(context, { client: maskClientInformation(info), rotated: saved });
  return ExitCode.ok;
}

// ---------------------------------------------------------------------------------------------
// --update-client

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function runUpdateClient(context: ModeContext, assignments: string): Promise<number> {
  const { parseMetadataAssignments } = await import("../oauth/client_management.ts");
  const { updateRegistration } = await import("../oauth/registration.ts");
  // Parse first: a usage error must come before any request.
  const changes = parseMetadataAssignments(assignments);
  const { registration, stored, current, desired, updated, rotated, saved } =
    await updateRegistration(registrationContext(context), changes);
  const changed = Object.keys(changes).map((key) => ({
    field: key,
    before: SECRET_FIELDS.has(key) ? undefined : current[key],
    after: SECRET_FIELDS.has(key) ? undefined : updated[key],
    applied: sameValue(updated[key], desired[key]),
  }));
  const lines = [`Updated client "${registration.clientId}"`];
  for (const change of changed) {
    const before = change.before === undefined ? "(unset)" : formatFieldValue("", change.before);
    const after = change.after === undefined ? "(unset)" : formatFieldValue("", change.after);
    lines.push(
      `  ${change.field}: ${before} -> ${after}${
        change.applied ? "" : paint(context, "yellow", " (the server chose this value)")
      }`,
    );
  }
  lines.push(...describeRotation(rotated));
  const redirectUris = Array.isArray(updated.redirect_uris) ? updated.redirect_uris : [];
  if (stored.redirectUri && !redirectUris.includes(stored.redirectUri)) {
    context.io.stderr(
      `Warning: The registration no longer lists this client's redirect URI: "${stored.redirectUri}"`,
    );
  }
  await say(context, ...lines);
  await printResult(context, { client: maskClientInformation(updated), changed, rotated: saved });
  return ExitCode.ok;
}

// ---------------------------------------------------------------------------------------------
// --delete-client and --reset-auth

/** Asks on the terminal; true when the answer is the client id or "yes". */
async function confirmDeletion(
  context: ModeContext,
  registration: { clientId: string; uri: string },
) {
  if (context.settings.oauth.assumeYes) return true;
  const confirm = context.io.confirm;
  if (!confirm) {
    throw new BridgeError(
      "usage",
      "Refusing to delete the client registration without confirmation",
      {
        hint: "Run it on a terminal to confirm, or pass --yes",
      },
    );
  }
  const host = new URL(registration.uri).host;
  const answer = await confirm(
    `Delete client "${registration.clientId}" at ${host}? This cannot be undone.\n` +
      `Type the client id or "yes" to confirm: `,
  );
  const text = answer?.trim() ?? "";
  return text === registration.clientId || /^yes$/i.test(text);
}

/** Removes the stored sign-in: tokens, and the client keys too unless `keepClient`. */
async function forgetLocally(context: ModeContext, store: EnvStore, keepClient: boolean) {
  const manager = asOAuthManager(context.credentials);
  const values = await store.read();
  const keys = keepClient ? TOKEN_KEYS : [...TOKEN_KEYS, ...CLIENT_KEYS];
  const removed = keys.filter((key) => values[key] !== undefined);
  if (manager) await manager.clearStoredAuth(keepClient ? "tokens" : "all");
  else if (removed.length) {
    await store.update(Object.fromEntries(keys.map((key) => [key, undefined])));
  }
  return removed;
}

async function runDeleteClient(context: ModeContext): Promise<number> {
  const { deleteRegistration, requireRegistration } = await import("../oauth/registration.ts");
  const store = stateStore(context);
  const registration = requireRegistration(readStoredAuth(await store.read()));
  if (!(await confirmDeletion(context, registration))) {
    context.io.stderr("Cancelled: the client registration was not deleted");
    await printResult(context, { deleted: false, cancelled: true });
    return ExitCode.ok;
  }
  const deleted = await deleteRegistration(
    registrationContext(context, store),
    () => forgetLocally(context, store, false),
  );
  const removed = deleted.forgotten;
  const { clientId, uri } = deleted.registration;
  await say(
    context,
    `Deleted client "${clientId}" at ${new URL(uri).host}`,
    `Removed from ${context.settings.stateFile}: ${removed.join(", ") || "nothing"}`,
  );
  await printResult(context, { deleted: true, clientId, removed });
  return ExitCode.ok;
}

async function runResetAuth(context: ModeContext, beforeOtherMode: boolean): Promise<number> {
  const store = stateStore(context);
  const keep = context.settings.oauth.keepRegistration;
  return await store.withLock(async () => {
    const stored = readStoredAuth(await store.read());
    const lines: string[] = [];
    let serverDeletion: "deleted" | "kept" | "unsupported" | "gone" | "failed" | "none" = "none";
    if (stored.clientId && stored.registrationUri && stored.registrationToken && !keep) {
      const { deleteAtServer, requireRegistration } = await import("../oauth/registration.ts");
      const deletion = await deleteAtServer(
        registrationContext(context, store),
        requireRegistration(stored),
      );
      serverDeletion = deletion.outcome;
      if (deletion.outcome === "deleted") {
        lines.push(`Deleted client "${stored.clientId}" at the authorization server`);
      } else if (deletion.outcome === "unsupported") {
        lines.push("The authorization server cannot delete registrations; forgot it locally");
      } else if (deletion.outcome === "gone") {
        lines.push("The authorization server no longer knows this client; forgot it locally");
      } else {
        context.io.stderr(redact(
          `Warning: Cannot delete the client registration at the server: ${deletion.error.message}`,
        ));
      }
    } else if (stored.clientId && keep) {
      serverDeletion = "kept";
    }
    const removed = await forgetLocally(context, store, keep);
    if (keep && stored.clientId) {
      lines.push(`Kept client "${stored.clientId}" (--keep-registration)`);
    }
    lines.push(
      removed.length
        ? `Removed from ${context.settings.stateFile}: ${removed.join(", ")}`
        : `Nothing stored in ${context.settings.stateFile}`,
    );
    if (context.settings.accessTokenSource === "env") {
      lines.push("Note: MCP_CLIENT_ACCESS_TOKEN is set in the environment; unset it there");
    }
    if (beforeOtherMode) {
      // stdout belongs to the mode that follows (and its one JSON document).
      for (const line of lines) context.io.stderr(redact(line));
      return ExitCode.ok;
    }
    await say(context, ...lines);
    await printResult(context, {
      removed,
      serverDeletion,
      ...(stored.clientId ? { clientId: stored.clientId } : {}),
    });
    return ExitCode.ok;
  });
}

// ---------------------------------------------------------------------------------------------

/** Options of {@link runAuthCommand}. */
export interface AuthCommandOptions {
  /**
   * `--reset-auth` runs before another mode: its report goes to stderr, so stdout carries only
   * the other mode's output (and its one `--json` document).
   */
  beforeOtherMode?: boolean;
}

/** Runs one authentication command; resolves to the exit code. */
export async function runAuthCommand(
  mode: Mode,
  context: ModeContext,
  options: AuthCommandOptions = {},
): Promise<number> {
  switch (mode.kind) {
    case "token":
      return await runToken(context);
    case "test-auth":
      return await runTestAuth(context);
    case "reset-auth":
      return await runResetAuth(context, options.beforeOtherMode ?? false);
    case "get-client-info":
      return await runGetClientInfo(context);
    case "update-client":
      return await runUpdateClient(context, mode.assignments);
    case "delete-client":
      return await runDeleteClient(context);
    default:
      throw new BridgeError("internal", `Not an authentication command: ${mode.kind}`);
  }
}
