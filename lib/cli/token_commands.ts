/**
 * `--token` (show the sign-in, renew it as needed, prove it against the server) and `--test-auth`
 * (check connectivity and the stored token without changing anything). Human output goes to
 * stdout, warnings and progress to stderr; with `--json` stdout carries exactly one JSON document.
 * Nothing here prints a token (unless `--print-token` asks for it) or a secret.
 *
 * @module
 */
import type { EnvStore } from "../config/env_store.ts";
import { BridgeError, ERROR_TABLE, ExitCode, toBridgeError } from "../errors.ts";
import { readStoredAuth } from "../oauth/token_state.ts";
import { createStaticCredentials } from "../transport/static_credentials.ts";
import type { CredentialProvider } from "../transport/types.ts";
import type { ModeContext } from "./context.ts";
import {
  describeServer,
  formatAuthSummary,
  type ServerDescription,
  summarizeAuth,
} from "./auth_format.ts";
import { formatSuccessDocument } from "./output.ts";
import { writeStdout } from "./stdout.ts";
import {
  asOAuthManager,
  paint,
  printResult,
  reportFailure,
  say,
  stateStore,
} from "./auth_shared.ts";

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

/** `--test-auth`: the stored sign-in and whether the server accepts it, changing nothing. */
export async function runTestAuth(context: ModeContext): Promise<number> {
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
export function humanOutputOnStderr(context: ModeContext): ModeContext {
  if (context.settings.json) return context;
  const decoder = new TextDecoder();
  const stdout = new WritableStream<Uint8Array>({
    write(chunk) {
      const text = decoder.decode(chunk, { stream: true }).replace(/\n$/, "");
      for (const line of text.split("\n")) context.io.stderr(line);
    },
  });
  return {
    ...context,
    io: { ...context.io, stdout, stdoutWriter: undefined, stdoutIsTerminal: false },
  };
}

/** Writes the access token for a script: alone on a line, or as `result.token` with `--json`. */
async function printAccessToken(
  context: ModeContext,
  stdout: WritableStream<Uint8Array>,
  token: string,
  result: Record<string, unknown>,
): Promise<void> {
  const io = { ...context.io, stdout, stdoutWriter: undefined };
  if (!context.settings.json) return await writeStdout(io, token + "\n");
  // The document is redacted like every other; the token is put back in on purpose.
  const document = JSON.parse(formatSuccessDocument(result));
  document.result.token = token;
  await writeStdout(io, JSON.stringify(document) + "\n");
}

/** `--token`: renew or sign in as needed, prove the token against the server, save it. */
export async function runToken(
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
