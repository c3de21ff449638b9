/**
 * The program: parse the command line, resolve settings, build the shared pieces (logger, fetch,
 * credentials) and run the selected mode. Returns the exit code; never exits itself. Only the
 * argument parser is loaded up front: `--version` and `--help` load nothing else, and settings,
 * services and every mode (the proxy included) are imported when chosen, so the proxy never
 * evaluates the CLI modes, the formatter or the help text.
 *
 * @module
 */

import { PROGRAM_NAME, PROGRAM_VERSION } from "../constants.ts";
import { ExitCode, toBridgeError } from "../errors.ts";
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
    const [{ loadSettings }, { createServices }] = await Promise.all([
      import("../config/settings.ts"),
      import("../services.ts"),
    ]);
    const settings = await loadSettings(parsed.flags, env);
    const { log, fetch, credentials } = await createServices(settings, io, {
      interactive: true,
      // A proxy client cannot wait minutes for a mid-session sign-in: it gets an error to retry.
      signInMode: parsed.mode.kind === "proxy" ? "background" : "wait",
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
    const failure = toBridgeError(error);
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
