/**
 * The program: parse the command line, resolve settings, build the shared pieces (logger, fetch,
 * credentials) and run the selected mode. Returns the exit code; never exits itself. Modes other
 * than the proxy are imported when chosen, so the proxy starts without loading them.
 *
 * @module
 */

import { loadSettings } from "../config/settings.ts";
import { PROGRAM_NAME, PROGRAM_VERSION } from "../constants.ts";
import { type BridgeError, ExitCode, toBridgeError } from "../errors.ts";
import { createLogger, parseLogLevel, redact } from "../log.ts";
import { createHttpFetch } from "../transport/http_client.ts";
import { createCredentialProvider } from "../oauth/provider.ts";
import { type Mode, parseCommandLine } from "./args.ts";
import type { ModeContext } from "./context.ts";
import type { ProcessIo } from "../process_io.ts";
import { writeStdout } from "./stdout.ts";

/** Prints a failure on stderr (human) or as one JSON document on stdout (`--json`). */
async function reportFailure(
  io: ProcessIo,
  error: BridgeError,
  json: boolean,
): Promise<void> {
  if (json) {
    const body = {
      ok: false,
      error: {
        kind: error.kind,
        message: redact(error.message),
        hint: error.hint,
        ...(error.status === undefined ? {} : { status: error.status }),
        ...(error.details === undefined ? {} : { details: error.details }),
      },
    };
    await writeStdout(io, redact(JSON.stringify(body)) + "\n");
  }
  io.stderr(redact(`Error: ${error.message}`));
  io.stderr(`Hint: ${error.hint}`);
}

async function runMode(mode: Mode, context: ModeContext): Promise<number> {
  switch (mode.kind) {
    case "proxy": {
      const { runBridge } = await import("../bridge.ts");
      return await runBridge(context);
    }
    case "token":
    case "test-auth":
    case "reset-auth":
    case "get-client-info":
    case "update-client":
    case "delete-client": {
      const { runAuthCommand } = await import("./auth_commands.ts");
      return await runAuthCommand(mode, context);
    }
    case "list-tools":
    case "list-resources":
    case "list-prompts":
    case "call-tool":
    case "read-resource":
    case "get-prompt":
    case "raw": {
      const { runClientMode } = await import("./modes.ts");
      return await runClientMode(mode, context);
    }
    case "help":
    case "version":
      return ExitCode.ok;
  }
}

/** Runs the program with `args`; resolves to the process exit code. */
export async function run(
  args: readonly string[],
  io: ProcessIo,
  env: Readonly<Record<string, string>>,
): Promise<number> {
  const jsonRequested = args.includes("--json") || args.includes("--format=json") ||
    args.join(" ").includes("--format json");
  try {
    const parsed = parseCommandLine(args);
    if (parsed.mode.kind === "help") {
      const { formatHelp } = await import("./help.ts");
      await writeStdout(io, formatHelp());
      return ExitCode.ok;
    }
    if (parsed.mode.kind === "version") {
      await writeStdout(io, `${PROGRAM_NAME} ${PROGRAM_VERSION}\n`);
      return ExitCode.ok;
    }
    const settings = await loadSettings(parsed.flags, env);
    const log = createLogger({ level: settings.logLevel, sink: io.stderr });
    const fetch = await createHttpFetch({ caFile: settings.caFile });
    const credentials = createCredentialProvider({
      settings,
      log: log.child("auth"),
      fetch,
      io,
      interactive: true,
      // A proxy client cannot wait minutes for a mid-session sign-in: it gets an error to retry.
      signInMode: parsed.mode.kind === "proxy" ? "background" : "wait",
    });
    const color = io.stdoutIsTerminal && env.NO_COLOR === undefined;
    const context: ModeContext = { settings, log, io, fetch, credentials, color };
    if (parsed.resetFirst) {
      const { runAuthCommand } = await import("./auth_commands.ts");
      const code = await runAuthCommand({ kind: "reset-auth" }, context, {
        beforeOtherMode: true,
      });
      if (code !== ExitCode.ok) return code;
    }
    return await runMode(parsed.mode, context);
  } catch (error) {
    const failure = toBridgeError(error);
    const level = parseLogLevel(env.MCP_CLIENT_LOG_LEVEL ?? "") ?? "WARNING";
    if (failure.kind === "internal" && level === "DEBUG" && error instanceof Error) {
      io.stderr(redact(error.stack ?? error.message));
    }
    await reportFailure(io, failure, jsonRequested);
    return failure.exitCode;
  }
}
