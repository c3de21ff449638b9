/**
 * Runs the real entry point inside a pseudo-terminal (util-linux `script`), so that
 * `isTerminal()` is true for the streams a test chooses; the others go to files and are returned
 * apart. What the program wrote to the terminal is returned as it appeared, `\r\n` included.
 *
 * @module
 */

import { baseEnv, createTempDir, mainArgs } from "./main_process.ts";

/** Which streams are the terminal. */
export interface TerminalStreams {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** Options of {@link runMainInTerminal}. */
export interface TerminalOptions {
  env?: Record<string, string>;
  /** Default: stderr only. */
  terminal?: TerminalStreams;
}

/** What a run inside a terminal printed. */
export interface TerminalResult {
  code: number;
  /** Everything written to the terminal (the streams chosen in `terminal`). */
  terminal: string;
  /** stdout, when it was not the terminal. */
  stdout: string;
  /** stderr, when it was not the terminal. */
  stderr: string;
}

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Runs main.ts with the compile permission set inside a pseudo-terminal. */
export async function runMainInTerminal(
  args: readonly string[],
  options: TerminalOptions = {},
): Promise<TerminalResult> {
  const streams = options.terminal ?? { stderr: true };
  const dir = createTempDir("mcp-shc-tty-");
  const command = [Deno.execPath(), ...mainArgs(args)].map(quote).join(" ") +
    (streams.stdin ? "" : " </dev/null") +
    (streams.stdout ? "" : ` >${quote(`${dir}/stdout`)}`) +
    (streams.stderr ? "" : ` 2>${quote(`${dir}/stderr`)}`);
  const output = await new Deno.Command("script", {
    args: ["-q", "-e", "-c", `exec ${command}`, "/dev/null"],
    cwd: dir,
    env: { ...baseEnv(options.env), TERM: "xterm" },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const read = (name: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/${name}`);
    } catch {
      return "";
    }
  };
  return {
    code: output.code,
    terminal: new TextDecoder().decode(output.stdout),
    stdout: read("stdout"),
    stderr: read("stderr"),
  };
}
