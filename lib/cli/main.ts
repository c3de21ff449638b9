/**
 * The program: parse the command line, resolve settings, build the shared pieces (logger, fetch,
 * credentials) and run the selected mode. Returns the exit code; never exits itself. Nothing but
 * this module's own few imports is loaded up front: a plain `--version` loads nothing else, and
 * the argument parser, settings, services and every mode (the proxy included) are imported when
 * needed, so the proxy never evaluates the CLI modes, the formatter or the help text.
 *
 * @module
 */

import type { Settings } from "../config/settings.ts";
import { PROGRAM_NAME, PROGRAM_VERSION } from "../constants.ts";
import { BridgeError, ExitCode, toBridgeError, toInterruptedError } from "../errors.ts";
import type { LogFile } from "../log_file.ts";
import type { Mode } from "./args.ts";
import type { ModeContext } from "./context.ts";
import type { ProcessIo } from "../process_io.ts";
import { writeStdout } from "./stdout.ts";

/** `MCP_CLIENT_SPINNER_DELAY_MS`: a whole number of ms, else the default. */
function parseSpinnerDelay(text: string | undefined): { spinnerDelayMs?: number } {
  return text !== undefined && /^\d+$/.test(text.trim()) ? { spinnerDelayMs: Number(text) } : {};
}

/** What proxy mode tells a person on stderr before it starts (stdout is JSON-RPC only). */
export function formatProxyNotices(
  context: Pick<ModeContext, "settings"> & { io: Pick<ModeContext["io"], "stdinIsTerminal"> },
): string[] {
  const lines: string[] = [];
  if (context.settings.json) {
    lines.push(
      "Warning: --json has no effect in proxy mode: stdout carries JSON-RPC messages only",
    );
  }
  if (context.io.stdinIsTerminal) {
    lines.push(
      `Proxy mode: relays JSON-RPC lines from stdin to ${context.settings.serverUrl.host} for an ` +
        "MCP client; waiting for JSON-RPC on stdin (try --list-tools to explore; Ctrl-D quits)",
    );
  }
  return lines;
}

async function runMode(mode: Mode, context: ModeContext): Promise<number> {
  switch (mode.kind) {
    case "proxy": {
      for (const line of formatProxyNotices(context)) context.io.stderr(line);
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
    case "print-config":
      return ExitCode.ok;
  }
}

/** `--log-file` (or `MCP_CLIENT_LOG_FILE`): stderr copied to the file, which `run` closes. */
async function withLogFile(
  io: ProcessIo,
  path: string | undefined,
): Promise<{ io: ProcessIo; logFile?: LogFile }> {
  if (!path) return { io };
  const { openLogFile } = await import("../log_file.ts");
  const logFile = openLogFile(path);
  const stderr = io.stderr;
  return {
    io: {
      ...io,
      stderr: (line) => {
        stderr(line);
        logFile.sink(line);
      },
    },
    logFile,
  };
}

/**
 * Takes over a sign-in the Python tool left in the working directory's `.env`, once, with a note
 * on stderr; true when the state file changed.
 */
async function importPythonEnv(settings: Readonly<Settings>, io: ProcessIo): Promise<boolean> {
  const cwdFile = `${Deno.cwd()}/.env`;
  const cwdValues = settings.cwdValues;
  if (Object.keys(cwdValues).length === 0) return false;
  const { planPythonEnvImport } = await import("../oauth/python_env.ts");
  const changes = planPythonEnvImport({
    cwdFile,
    cwdValues,
    stateFile: settings.stateFile,
    stateValues: settings.stateValues,
    serverUrl: settings.serverUrl,
  });
  if (!changes) return false;
  const { openEnvStore } = await import("../config/env_store.ts");
  await openEnvStore(settings.stateFile).update(changes);
  io.stderr(
    `Note: Imported the sign-in from "${cwdFile}" (left by the Python mcp-streamablehttp-client) ` +
      `into "${settings.stateFile}"; that .env is left unchanged`,
  );
  return true;
}

/** Runs the program with `args`; resolves to the process exit code. */
export async function run(
  args: readonly string[],
  io: ProcessIo,
  env: Readonly<Record<string, string>>,
): Promise<number> {
  let logFile: LogFile | undefined;
  // The plain `--version` needs no argument parser (and so not Node's util layer it uses).
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    await writeStdout(io, `${PROGRAM_NAME} ${PROGRAM_VERSION}\n`);
    return ExitCode.ok;
  }
  try {
    const { parseCommandLine } = await import("./args.ts");
    const parsed = parseCommandLine(args);
    if (parsed.mode.kind === "help") {
      const { formatHelp, formatHelpTopic } = await import("./help.ts");
      const topic = parsed.mode.topic;
      await writeStdout(io, topic === undefined ? formatHelp() : formatHelpTopic(topic));
      return ExitCode.ok;
    }
    if (parsed.mode.kind === "version") {
      await writeStdout(io, `${PROGRAM_NAME} ${PROGRAM_VERSION}\n`);
      return ExitCode.ok;
    }
    ({ io, logFile } = await withLogFile(
      io,
      parsed.flags["log-file"] ?? env.MCP_CLIENT_LOG_FILE,
    ));
    if (parsed.mode.kind === "print-config") {
      const { runPrintConfig } = await import("./print_config.ts");
      return await runPrintConfig(parsed.mode.host, parsed.flags, io, env);
    }
    const flags = parsed.accessToken === undefined
      ? parsed.flags
      : { ...parsed.flags, "access-token": parsed.accessToken };
    const [{ loadSettings }, { detectPresence }, { createServices }] = await Promise.all([
      import("../config/settings.ts"),
      import("../oauth/presence.ts"),
      import("../services.ts"),
    ]);
    let settings = await loadSettings(flags, env);
    if (await importPythonEnv(settings, io)) settings = await loadSettings(flags, env);
    const presence = detectPresence({
      env,
      os: Deno.build.os,
      stdinIsTerminal: io.stdinIsTerminal ?? false,
      stderrIsTerminal: io.stderrIsTerminal,
      mode: parsed.mode.kind === "proxy" ? "proxy" : "cli",
      flowChosen: settings.oauth.deviceCode,
    });
    const { log, fetch, credentials } = await createServices(settings, io, {
      interactive: presence.present,
      absence: presence.present ? undefined : presence.reason,
    });
    // NO_COLOR counts when set and not empty (https://no-color.org).
    const color = io.stdoutIsTerminal && !env.NO_COLOR;
    const context: ModeContext = {
      settings,
      log,
      io,
      fetch,
      credentials,
      color,
      ...parseSpinnerDelay(env.MCP_CLIENT_SPINNER_DELAY_MS),
    };
    if (parsed.resetFirst) {
      const { runAuthCommand } = await import("./auth_commands.ts");
      const code = await runAuthCommand({ kind: "reset-auth" }, context, {
        beforeOtherMode: true,
      });
      if (code !== ExitCode.ok) return code;
    }
    return await runMode(parsed.mode, context);
  } catch (error) {
    // Whatever a signal broke (a fetch, a lock wait, a sign-in) reports the one kind.
    const failure = io.signal.aborted && !(error instanceof BridgeError && error.kind === "usage")
      ? toInterruptedError(io.signal.reason)
      : toBridgeError(error);
    const [{ pickLogLevel }, { parseLogLevel, redact }, { createOutput }, { wantsJson }] =
      await Promise.all([
        import("../config/settings.ts"),
        import("../log.ts"),
        import("./output.ts"),
        import("./args.ts"),
      ]);
    const level = parseLogLevel(pickLogLevel({}, (key) => env[key])) ?? "WARNING";
    if (failure.kind === "internal" && level === "DEBUG" && error instanceof Error) {
      io.stderr(redact(error.stack ?? error.message));
    }
    return await createOutput(io, { json: wantsJson(args) }).fail(failure);
  } finally {
    logFile?.close();
  }
}
