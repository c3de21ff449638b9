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

/**
 * The lines left on screen after `raw` was written to a terminal, for the few controls the
 * program uses: `\r`, `\n`, cursor up (`ESC[1A`) and clear line (`ESC[2K`). Colors are dropped.
 */
export function renderScreen(raw: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  let column = 0;
  const ESC = String.fromCharCode(27);
  const pattern = new RegExp(`${ESC}\\[(\\d*)([A-Za-z])|\\r|\\n|[^${ESC}\\r\\n]+`, "g");
  for (const match of raw.matchAll(pattern)) {
    const token = match[0];
    if (token === "\r") column = 0;
    else if (token === "\n") {
      row++;
      column = 0; // a terminal's output translation (onlcr) turns "\n" into "\r\n"
      if (lines.length <= row) lines.push("");
    } else if (match[2] === "A") {
      row = Math.max(0, row - Number(match[1] || "1"));
    } else if (match[2] === "K") lines[row] = "";
    else if (match[2] === undefined) {
      const line = lines[row].padEnd(column);
      lines[row] = line.slice(0, column) + token +
        line.slice(column + token.length);
      column += token.length;
    }
  }
  while (lines.length && lines.at(-1) === "") lines.pop();
  return lines;
}
