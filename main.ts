/**
 * Entry point of mcp-streamablehttp-client: the only place that reads `Deno.args`, touches the
 * process streams and signals, and calls `Deno.exit`.
 *
 * @module
 */

import { createInterruptedError } from "./lib/errors.ts";
import { run } from "./lib/cli/main.ts";
import type { ProcessIo } from "./lib/process_io.ts";
import { stderrSink } from "./lib/log.ts";

/** The longest line read from the terminal (a pasted redirect URL), in bytes. */
const TERMINAL_LINE_LIMIT = 16_384;

/**
 * Writes `prompt` to stderr and reads one line from the controlling terminal, never from stdin
 * (JSON-RPC in proxy mode): confirmations and pasted redirects alike. Undefined when there is no
 * terminal, at the end of input before any text, or on abort.
 */
async function readTerminalLine(
  prompt: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const path = Deno.build.os === "windows" ? "CONIN$" : "/dev/tty";
  let tty: Deno.FsFile;
  try {
    tty = await Deno.open(path, { read: true });
  } catch {
    return undefined;
  }
  const close = () => {
    try {
      tty.close();
    } catch {
      // already closed
    }
  };
  signal?.addEventListener("abort", close, { once: true });
  try {
    Deno.stderr.writeSync(new TextEncoder().encode(prompt));
    const line = new Uint8Array(TERMINAL_LINE_LIMIT);
    let size = 0;
    while (size < TERMINAL_LINE_LIMIT) {
      const n = await tty.read(line.subarray(size)).catch(() => null);
      if (signal?.aborted) return undefined;
      if (n === null) break;
      size += n;
      if (line.subarray(size - n, size).includes(10)) break;
    }
    if (size === 0) return undefined;
    return new TextDecoder().decode(line.subarray(0, size)).split("\n")[0].trim();
  } finally {
    signal?.removeEventListener("abort", close);
    close();
  }
}

/**
 * The `deno run` flags of `deno task start`: the binary's permission set and V8 flag, and each
 * module loaded when its `import()` runs (proxy mode never reads the CLI modes' sources).
 */
const SOURCE_RUN_FLAGS = [
  "-q",
  "-P=bridge",
  "--v8-flags=--max-semi-space-size=8",
  "--unstable-lazy-dynamic-imports",
];

/** How a host starts this program again: the binary, or `deno run` with main.ts's permissions. */
function launcher(): string[] {
  if (Deno.build.standalone) return [Deno.execPath()];
  const main = new URL(import.meta.url);
  if (main.protocol !== "file:") return [Deno.execPath(), "run", ...SOURCE_RUN_FLAGS, main.href];
  const path = (url: URL) => {
    const text = decodeURIComponent(url.pathname);
    return Deno.build.os === "windows" ? text.slice(1).replaceAll("/", "\\") : text;
  };
  const config = path(new URL("./deno.json", main));
  return [Deno.execPath(), "run", `--config=${config}`, ...SOURCE_RUN_FLAGS, path(main)];
}

const controller = new AbortController();
// The reason is the `interrupted` error itself, so every wait it ends reports the same kind.
const onSignal = (name: "SIGINT" | "SIGTERM") => () => {
  if (!controller.signal.aborted) controller.abort(createInterruptedError(name));
};
Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));

const io: ProcessIo = {
  // The streams are built on first use: `--version` and most CLI modes never read stdin, and
  // proxy mode writes through stdoutWriter, never through the stdout stream.
  get stdin() {
    return Deno.stdin.readable;
  },
  get stdout() {
    return Deno.stdout.writable;
  },
  stdoutWriter: Deno.stdout,
  stderr: stderrSink,
  stdinIsTerminal: Deno.stdin.isTerminal(),
  stdoutIsTerminal: Deno.stdout.isTerminal(),
  stderrIsTerminal: Deno.stderr.isTerminal(),
  confirm: Deno.stdin.isTerminal() || Deno.stderr.isTerminal()
    ? (question) => readTerminalLine(question)
    : undefined,
  readTerminalLine: Deno.stderr.isTerminal() ? readTerminalLine : undefined,
  signal: controller.signal,
  get launcher() {
    return launcher();
  },
};

const code = await run(Deno.args, io, Deno.env.toObject());
Deno.exit(code);
