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

async function readTerminalLine(question: string): Promise<string | undefined> {
  // Confirmations come from the controlling terminal, never from stdin (JSON-RPC in proxy mode).
  const path = Deno.build.os === "windows" ? "CONIN$" : "/dev/tty";
  let tty: Deno.FsFile;
  try {
    tty = await Deno.open(path, { read: true });
  } catch {
    return undefined;
  }
  try {
    Deno.stderr.writeSync(new TextEncoder().encode(question));
    const buffer = new Uint8Array(1024);
    const n = await tty.read(buffer);
    return n === null ? undefined : new TextDecoder().decode(buffer.subarray(0, n)).trim();
  } finally {
    tty.close();
  }
}

/** The longest line read from the terminal (a pasted redirect URL), in bytes. */
const TERMINAL_LINE_LIMIT = 16_384;

async function readTerminalInput(prompt: string, signal: AbortSignal): Promise<string | undefined> {
  // Pasted redirects come from the controlling terminal, never from stdin.
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
  signal.addEventListener("abort", close, { once: true });
  try {
    Deno.stderr.writeSync(new TextEncoder().encode(prompt));
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < TERMINAL_LINE_LIMIT) {
      const buffer = new Uint8Array(4096);
      const n = await tty.read(buffer).catch(() => null);
      if (n === null || signal.aborted) return undefined;
      chunks.push(buffer.subarray(0, n));
      size += n;
      if (buffer.subarray(0, n).includes(10)) break;
    }
    const text = new TextDecoder().decode(
      chunks.reduce((all, chunk) => new Uint8Array([...all, ...chunk]), new Uint8Array()),
    );
    return text.split("\n")[0].trim();
  } finally {
    signal.removeEventListener("abort", close);
    close();
  }
}

/** How a host starts this program again: the binary, or `deno run` with main.ts's permissions. */
function launcher(): string[] {
  if (Deno.build.standalone) return [Deno.execPath()];
  const main = new URL(import.meta.url);
  if (main.protocol !== "file:") return [Deno.execPath(), "run", "-q", "-P=bridge", main.href];
  const path = (url: URL) => {
    const text = decodeURIComponent(url.pathname);
    return Deno.build.os === "windows" ? text.slice(1).replaceAll("/", "\\") : text;
  };
  const config = path(new URL("./deno.json", main));
  return [Deno.execPath(), "run", "-q", `--config=${config}`, "-P=bridge", path(main)];
}

const controller = new AbortController();
// The reason is the `interrupted` error itself, so every wait it ends reports the same kind.
const onSignal = (name: "SIGINT" | "SIGTERM") => () => {
  if (!controller.signal.aborted) controller.abort(createInterruptedError(name));
};
Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));

const io: ProcessIo = {
  stdin: Deno.stdin.readable,
  // Built on first use: proxy mode writes through stdoutWriter and never needs the stream.
  get stdout() {
    return Deno.stdout.writable;
  },
  stdoutWriter: Deno.stdout,
  stderr: stderrSink,
  stdinIsTerminal: Deno.stdin.isTerminal(),
  stdoutIsTerminal: Deno.stdout.isTerminal(),
  stderrIsTerminal: Deno.stderr.isTerminal(),
  confirm: Deno.stdin.isTerminal() || Deno.stderr.isTerminal() ? readTerminalLine : undefined,
  readTerminalLine: Deno.stderr.isTerminal() ? readTerminalInput : undefined,
  signal: controller.signal,
  get launcher() {
    return launcher();
  },
};

const code = await run(Deno.args, io, Deno.env.toObject());
Deno.exit(code);
