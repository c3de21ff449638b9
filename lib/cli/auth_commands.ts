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
import type { RegistrationContext } from "../oauth/registration.ts";
import { CLIENT_KEYS, TOKEN_KEYS } from "../oauth/state_keys.ts";
import { isOAuthManager, type OAuthManager } from "../oauth/provider.ts";
import { readStoredAuth } from "../oauth/token_state.ts";
import { createStaticCredentials } from "../transport/static_credentials.ts";
import type { CredentialProvider } from "../transport/types.ts";
import type { Mode } from "./args.ts";
import type { ModeContext } from "./context.ts";
import {
  createPaint,
  describeRotation,
  describeServer,
  diffClientChanges,
  formatAuthSummary,
  formatClientChanges,
  formatClientInformation,
  maskClientInformation,
  type ServerDescription,
  type Style,
  summarizeAuth,
} from "./auth_format.ts";
import { createOutput, formatSuccessDocument, type Output } from "./output.ts";
import { writeStdout } from "./stdout.ts";

function asOAuthManager(credentials: CredentialProvider): OAuthManager | undefined {
  return isOAuthManager(credentials) ? credentials : undefined;
}

/** The store of the server's state: the manager's own (so its lock is reentrant), else a new one. */
function stateStore(context: ModeContext): EnvStore {
  return asOAuthManager(context.credentials)?.store ?? openEnvStore(context.settings.stateFile);
}

function outputOf(context: ModeContext): Output {
  return createOutput(context.io, { json: context.settings.json });
}

function say(context: ModeContext, ...lines: string[]): Promise<void> {
  return outputOf(context).say(...lines);
}

function printResult(context: ModeContext, result: unknown): Promise<void> {
  return outputOf(context).result(result);
}

function reportFailure(context: ModeContext, error: BridgeError, result: unknown): Promise<number> {
  return outputOf(context).fail(error, result);
}

function paint(context: ModeContext, style: Style, text: string): string {
  return createPaint(context.color)(style, text);
}

// ---------------------------------------------------------------------------------------------
// The state summary
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
  const { openClient } = await import("../mcp_client.ts");
  const client = await openClient({ ...context, credentials });
  try {
    return {
      name: client.serverInfo.name,
      version: client.serverInfo.version,
      protocolVersion: client.serverProtocol.version,
      era: client.serverProtocol.era,
    };
  } finally {
    await client.close();
  }
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
  const headerAuth = summary.token.source === "header";
  const token = context.settings.accessTokenSource === "env"
    ? context.settings.accessToken
    : headerAuth
    ? undefined // the transport sends the -H header as it is
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
      paint(
        context,
        "green",
        headerAuth
          ? "Authorization header accepted by the server"
          : token
          ? "Access token accepted by the server"
          : "Server does not require authentication",
      ),
    );
    await printResult(context, result);
    return ExitCode.ok;
  } catch (error) {
    const failure = toBridgeError(error);
    result.accepted = false;
    if (failure.kind === "auth_required" || failure.kind === "auth_failed") {
      const rejected = token !== undefined || headerAuth;
      const message = headerAuth
        ? "Server rejected the Authorization header"
        : rejected
        ? `Server rejected the access token${summary.token.expired ? " (it has expired)" : ""}`
        : "Server requires authentication and no access token is stored";
      await say(context, paint(context, "red", message));
      return await reportFailure(
        context,
        new BridgeError(rejected ? "auth_failed" : "auth_required", message, {
          status: failure.status,
          hint: summary.token.source === "env"
            ? "Replace MCP_CLIENT_ACCESS_TOKEN, or unset it and sign in with --token"
            : headerAuth
            ? "Replace the Authorization header given with -H or MCP_CLIENT_HEADERS"
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

/** The status block of `--token`, printed once: the state as it is after the run. */
async function sayState(context: ModeContext, store: EnvStore) {
  const state = await readSummary(context, store);
  await say(
    context,
    "Authentication",
    ...formatAuthSummary(state.summary, state.now, (s, t) => paint(context, s, t)),
    "",
  );
  return state;
}

/**
 * `--print-token` keeps stdout for the token alone (`TOKEN=$(… --token --print-token)`): the human
 * report goes to stderr instead. `--json` keeps its one document on stdout.
 */
function humanOutputOnStderr(context: ModeContext): ModeContext {
  if (context.settings.json) return context;
  const decoder = new TextDecoder();
  const stdout = new WritableStream<Uint8Array>({
    write(chunk) {
      const text = decoder.decode(chunk, { stream: true }).replace(/\n$/, "");
      for (const line of text.split("\n")) context.io.stderr(line);
    },
  });
  return { ...context, io: { ...context.io, stdout, stdoutIsTerminal: false } };
}

/** Writes the access token for a script: alone on a line, or as `result.token` with `--json`. */
async function printAccessToken(
  context: ModeContext,
  stdout: WritableStream<Uint8Array>,
  token: string,
  result: Record<string, unknown>,
): Promise<void> {
  const io = { ...context.io, stdout };
  if (!context.settings.json) return await writeStdout(io, token + "\n");
  // The document is redacted like every other; the token is put back in on purpose.
  const document = JSON.parse(formatSuccessDocument(result));
  document.result.token = token;
  await writeStdout(io, JSON.stringify(document) + "\n");
}

async function runToken(
  context: ModeContext,
  options: { printToken: boolean; stdout: WritableStream<Uint8Array> },
): Promise<number> {
  const manager = asOAuthManager(context.credentials);
  const store = stateStore(context);
  const before = await readSummary(context, store);
  const result: Record<string, unknown> = { before: before.summary };

  let action = "none";
  // With nothing stored, the server's own 401 (and its challenge) decides whether and where to
  // sign in: a server that needs no sign-in is told apart, and discovery gets the challenge.
  const oauth = context.settings.oauth;
  const somethingToRenew = before.stored.accessToken !== undefined ||
    before.stored.refreshToken !== undefined || oauth.clientCredentials ||
    oauth.crossApp !== undefined;
  if (manager && context.settings.accessTokenSource !== "env" && somethingToRenew) {
    try {
      await manager.ensureToken();
    } catch (error) {
      result.after = (await sayState(context, store)).summary;
      return await reportFailure(context, toBridgeError(error), result);
    }
    const afterRenewal = readStoredAuth(await store.read());
    if (afterRenewal.accessToken !== before.stored.accessToken) {
      action = before.stored.accessToken ? "refreshed" : "signed-in";
    }
  }

  try {
    // Through the manager: a token the server refuses is renewed once and tried again.
    result.serverInfo = await probeServer(context, context.credentials);
    result.accepted = true;
  } catch (error) {
    result.accepted = false;
    result.after = (await sayState(context, store)).summary;
    const failure = toBridgeError(error);
    if (failure.kind === "auth_required" || failure.kind === "auth_failed") {
      await say(context, paint(context, "red", "Server rejected the access token"));
    }
    return await reportFailure(context, failure, result);
  }

  const after = await sayState(context, store);
  if (after.stored.accessToken !== before.stored.accessToken && action === "none") {
    // The server refused the stored token and the manager renewed it while connecting.
    action = before.stored.accessToken ? "renewed" : "signed-in";
  }
  const server = result.serverInfo as ServerDescription;
  if (after.stored.accessToken === undefined && context.settings.accessToken === undefined) {
    result.action = "not-needed";
    result.after = after.summary;
    await say(
      context,
      paint(context, "green", `${describeServer(server)} does not require a sign-in`),
      "Nothing to sign in to: requests are sent without a token",
    );
    await printResult(context, result);
    return ExitCode.ok;
  }
  result.action = action;
  result.after = after.summary;
  const token = context.settings.accessTokenSource === "env"
    ? context.settings.accessToken
    : after.stored.accessToken;
  if (options.printToken && token !== undefined) {
    await say(
      context,
      paint(context, "green", `Access token accepted by ${describeServer(server)}`),
    );
    await printAccessToken(context, options.stdout, token, result);
    return ExitCode.ok;
  }
  // "signed-in" needs no line here: the sign-in itself said "Signed in to HOST" on stderr.
  const renewal = action === "refreshed" || action === "renewed" ? ["Access token refreshed"] : [];
  await say(
    context,
    ...renewal,
    paint(context, "green", `Access token accepted by ${describeServer(server)}`),
  );
  await printResult(context, result);
  return ExitCode.ok;
}

// ---------------------------------------------------------------------------------------------
// RFC 7592

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

async function runUpdateClient(context: ModeContext, assignments: string): Promise<number> {
  const { parseMetadataAssignments } = await import("../oauth/client_metadata.ts");
  const { updateRegistration } = await import("../oauth/registration.ts");
  // Parse first: a usage error must come before any request.
  const changes = parseMetadataAssignments(assignments);
  const { registration, stored, current, desired, updated, rotated, saved } =
    await updateRegistration(registrationContext(context), changes);
  const diff = diffClientChanges({
    requested: Object.keys(changes),
    before: current,
    desired,
    after: updated,
  });
  const lines = formatClientChanges(registration.clientId, diff, createPaint(context.color));
  lines.push(...describeRotation(rotated));
  const redirectUris = Array.isArray(updated.redirect_uris) ? updated.redirect_uris : [];
  if (stored.redirectUri && !redirectUris.includes(stored.redirectUri)) {
    context.io.stderr(
      `Warning: The registration no longer lists this client's redirect URI: "${stored.redirectUri}"`,
    );
  }
  await say(context, ...lines);
  await printResult(context, {
    client: maskClientInformation(updated),
    ...diff,
    rotated: saved,
  });
  return ExitCode.ok;
}

// ---------------------------------------------------------------------------------------------
// --delete-client and --reset-auth

/** The answer to "delete this registration at the server?". */
type DeletionAnswer = "confirmed" | "declined" | "no-terminal";

/**
 * Asks on the terminal before a registration is deleted at the server, the same way for
 * `--delete-client` and `--reset-auth`: the client id or "yes" confirms; `--yes` skips it.
 */
async function askToDelete(
  context: ModeContext,
  registration: { clientId: string; uri: string },
): Promise<DeletionAnswer> {
  if (context.settings.oauth.assumeYes) return "confirmed";
  const confirm = context.io.confirm;
  if (!confirm) return "no-terminal";
  const host = new URL(registration.uri).host;
  const answer = await confirm(
    `Delete client "${registration.clientId}" at ${host}? This cannot be undone.\n` +
      `Type the client id or "yes" to confirm: `,
  );
  const text = answer?.trim() ?? "";
  return text === registration.clientId || /^yes$/i.test(text) ? "confirmed" : "declined";
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
  const answer = await askToDelete(context, registration);
  if (answer === "no-terminal") {
    throw new BridgeError(
      "usage",
      "Refusing to delete the client registration without confirmation",
      { hint: "Run it on a terminal to confirm, or pass --yes" },
    );
  }
  if (answer === "declined") {
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
  let keep = context.settings.oauth.keepRegistration;
  let unconfirmed: Exclude<DeletionAnswer, "confirmed"> | undefined;
  if (!keep) {
    // Asked before the lock is taken: other processes need not wait for a person.
    const current = readStoredAuth(await store.read());
    if (current.clientId && current.registrationUri && current.registrationToken) {
      const answer = await askToDelete(context, {
        clientId: current.clientId,
        uri: current.registrationUri,
      });
      if (answer !== "confirmed") [keep, unconfirmed] = [true, answer];
    }
  }
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
      lines.push(
        unconfirmed === undefined
          ? `Kept client "${stored.clientId}" (--keep-registration)`
          : `Kept client "${stored.clientId}" and its registration: ${
            unconfirmed === "declined" ? "deletion not confirmed" : "no terminal to confirm on"
          } (pass --yes to delete it at the server)`,
      );
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
      return await runToken(mode.printToken ? humanOutputOnStderr(context) : context, {
        printToken: mode.printToken ?? false,
        stdout: context.io.stdout,
      });
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
