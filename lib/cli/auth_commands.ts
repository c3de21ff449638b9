/**
 * The authentication commands: dispatches `--token` and `--test-auth` (token_commands.ts), and
 * runs `--reset-auth` (forget tokens and the client registration, deleting it at the server once
 * confirmed) and RFC 7592 client management (`--get-client-info`, `--update-client`,
 * `--delete-client`, whose flows live in oauth/registration.ts). Human output goes to stdout,
 * warnings to stderr; with `--json` stdout carries exactly one JSON document. Nothing here prints
 * a token or a secret. Loaded only when one of these modes is chosen.
 *
 * @module
 */
import type { EnvStore } from "../config/env_store.ts";
import { BridgeError, ExitCode } from "../errors.ts";
import { redact } from "../log.ts";
import type { RegistrationContext } from "../oauth/registration.ts";
import { CLIENT_KEYS, TOKEN_KEYS } from "../oauth/state_keys.ts";
import { readStoredAuth } from "../oauth/token_state.ts";
import type { Mode } from "./args.ts";
import type { ModeContext } from "./context.ts";
import {
  createPaint,
  describeRotation,
  diffClientChanges,
  formatClientChanges,
  formatClientInformation,
  maskClientInformation,
} from "./auth_format.ts";
import { asOAuthManager, printResult, say, stateStore } from "./auth_shared.ts";
import { humanOutputOnStderr, runTestAuth, runToken } from "./token_commands.ts";

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
