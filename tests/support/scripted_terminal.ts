/**
 * Runs a command-line mode in this process with a scripted terminal: each question the program
 * asks on the terminal gets the next answer (undefined = the terminal closed). Stdout and stderr
 * are collected apart. For prompts that a pseudo-terminal would make slow to drive.
 *
 * @module
 */

import { run } from "../../lib/cli/main.ts";
import type { ProcessIo } from "../../lib/process_io.ts";
import { createTempDir } from "./main_process.ts";

/** What a run printed, with the questions it asked. */
export interface ScriptedRun {
  code: number;
  stdout: string;
  stderr: string[];
  questions: string[];
}

/** A process whose stderr is a terminal: each question gets the next of `answers`. */
export interface ScriptedIo {
  io: ProcessIo;
  /** Everything written to stdout so far, decoded. */
  stdout(): string;
  stderr: string[];
  questions: string[];
}

/** Creates a {@link ProcessIo} with a scripted terminal (undefined = the terminal closed). */
export function createScriptedIo(answers: Array<string | undefined>): ScriptedIo {
  const chunks: Uint8Array[] = [];
  const stderr: string[] = [];
  const questions: string[] = [];
  const io: ProcessIo = {
    stdin: new ReadableStream({ start: (c) => c.close() }),
    stdout: new WritableStream({ write: (chunk) => void chunks.push(chunk) }),
    stderr: (line) => void stderr.push(line),
    stdoutIsTerminal: false,
    stderrIsTerminal: true,
    confirm: (question) => {
      questions.push(question);
      return Promise.resolve(answers.shift());
    },
    signal: new AbortController().signal,
  };
  const stdout = () => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  return { io, stdout, stderr, questions };
}

/** Runs `args` with `env` (plus an isolated home) and the scripted `answers`. */
export async function runWithScriptedTerminal(
  args: string[],
  env: Record<string, string>,
  answers: Array<string | undefined>,
): Promise<ScriptedRun> {
  const scripted = createScriptedIo(answers);
  const home = createTempDir();
  const code = await run(args, scripted.io, {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    ...env,
  });
  return {
    code,
    stdout: scripted.stdout(),
    stderr: scripted.stderr,
    questions: scripted.questions,
  };
}
