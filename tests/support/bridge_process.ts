/**
 * Drives a spawned bridge (main.ts in proxy mode) over its stdio like a raw MCP client: writes
 * lines, collects every stdout line (each must be JSON), waits for a message matching a
 * predicate, and closes stdin or signals the process. For tests that need exact bytes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type MainOptions, spawnMain } from "./main_process.ts";
import { HANG_GUARD_MS } from "./wait.ts";

/** One message read from the bridge's stdout. */
export type Message = Record<string, unknown> & { id?: unknown; method?: string };

/** A running bridge process. */
export interface BridgeProcess extends AsyncDisposable {
  /** Every stdout line so far, as text. */
  readonly lines: string[];
  /** Every stdout line so far, parsed. */
  readonly messages: Message[];
  /** Writes one line (a JSON value is serialized) to the bridge's stdin. */
  send(message: unknown): Promise<void>;
  /** Resolves with the first message (already read or future) that matches. */
  waitFor(predicate: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  /** The response to request `id`. */
  response(id: unknown, timeoutMs?: number): Promise<Message>;
  /** Resolves once the stderr so far has `count` (default 1) matches of `pattern`. */
  waitForStderr(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  /** Closes stdin and waits for the exit; returns the exit code and the whole stderr. */
  end(timeoutMs?: number): Promise<{ code: number; stderr: string }>;
  /**
   * Stops reading the bridge's stdout until `until` settles, like a client that stalls; the
   * bridge's writes then block once the pipe is full.
   */
  holdStdout(until: Promise<unknown>): void;
  /** Sends a signal and waits for the exit. */
  signal(signal: Deno.Signal, timeoutMs?: number): Promise<{ code: number; stderr: string }>;
  readonly process: Deno.ChildProcess;
}

/** Spawns the bridge with `args`. Stdout lines that are not JSON make `waitFor` reject. */
export function startBridge(args: string[] = [], options: MainOptions = {}): BridgeProcess {
  const child = spawnMain(args, options);
  const lines: string[] = [];
  const messages: Message[] = [];
  const waiters: { predicate: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  let invalid: Error | undefined;
  let held: Promise<unknown> | undefined;
  const stdinWriter = child.stdin.getWriter();
  const encoder = new TextEncoder();

  const stdoutDone = (async () => {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    while (true) {
      if (held) await held.catch(() => {});
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let index;
      while ((index = buffer.indexOf("\n")) !== -1) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 1);
        lines.push(line);
        let message: Message;
        try {
          message = JSON.parse(line);
        } catch {
          invalid = new Error(`stdout carried a non-JSON line: ${line.slice(0, 200)}`);
          continue;
        }
        messages.push(message);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(message)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(message);
          }
        }
      }
    }
    if (buffer !== "") invalid = new Error(`stdout ended with an unterminated line: ${buffer}`);
  })();
  let stderr = "";
  let stderrEnded = false;
  const stderrWaiters = new Set<() => void>();
  const stderrText = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr += chunk;
      for (const check of [...stderrWaiters]) check();
    }
    stderrEnded = true;
    for (const check of [...stderrWaiters]) check();
    return stderr;
  })();

  let ended: Promise<{ code: number; stderr: string }> | undefined;
  const finish = async (timeoutMs: number) => {
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
    }, timeoutMs);
    const status = await child.status;
    clearTimeout(timer);
    await stdoutDone;
    return { code: status.code, stderr: await stderrText };
  };

  const bridge: BridgeProcess = {
    lines,
    messages,
    process: child,
    async send(message) {
      const text = typeof message === "string" ? message : JSON.stringify(message);
      await stdinWriter.write(encoder.encode(text + "\n"));
    },
    waitFor(predicate, timeoutMs = HANG_GUARD_MS) {
      if (invalid) return Promise.reject(invalid);
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.findIndex((w) => w.resolve === done), 1);
          reject(new Error(`No matching message within ${timeoutMs} ms; got ${lines.join("\n")}`));
        }, timeoutMs);
        const done = (message: Message) => {
          clearTimeout(timer);
          if (invalid) reject(invalid);
          else resolve(message);
        };
        waiters.push({ predicate, resolve: done });
      });
    },
    waitForStderr(pattern, count = 1, timeoutMs = HANG_GUARD_MS) {
      const global = new RegExp(pattern.source, pattern.flags.replace("g", "") + "g");
      const seen = () => `${count} × ${pattern} on stderr`;
      return new Promise((resolve, reject) => {
        const check = () => {
          if ((stderr.match(global)?.length ?? 0) >= count) settle(resolve);
          else if (stderrEnded) {
            settle(() => reject(new Error(`No ${seen()}; it ended:\n${stderr}`)));
          }
        };
        const settle = (then: () => void) => {
          clearTimeout(timer);
          stderrWaiters.delete(check);
          then();
        };
        const timer = setTimeout(
          () => settle(() => reject(new Error(`No ${seen()} in ${timeoutMs} ms:\n${stderr}`))),
          timeoutMs,
        );
        stderrWaiters.add(check);
        check();
      });
    },
    holdStdout(until) {
      held = until;
    },
    response(id, timeoutMs) {
      return bridge.waitFor((m) => m.id === id && ("result" in m || "error" in m), timeoutMs);
    },
    end(timeoutMs = 15_000) {
      ended ??= (async () => {
        await stdinWriter.close().catch(() => {});
        const result = await finish(timeoutMs);
        if (invalid) throw invalid;
        return result;
      })();
      return ended;
    },
    signal(signal, timeoutMs = 15_000) {
      ended ??= (async () => {
        child.kill(signal);
        const result = await finish(timeoutMs);
        await stdinWriter.close().catch(() => {});
        return result;
      })();
      return ended;
    },
    async [Symbol.asyncDispose]() {
      if (!ended) {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
        await stdinWriter.close().catch(() => {});
        await finish(5_000);
      } else {
        await ended.catch(() => {});
      }
    },
  };
  return bridge;
}

/** The initialize request a client sends first. */
export function initializeRequest(id: unknown = 0, protocolVersion = "2025-11-25") {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion,
      capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
      clientInfo: { name: "bridge-test", version: "1.0.0" },
    },
  };
}

/**
 * A short 2025 session as stdin text, for a program run to its end: `initialize` (id 1),
 * `notifications/initialized`, then the fixture's `echo` tool with `message` (id 2).
 */
export function echoSessionInput(message: string): string {
  return [
    initializeRequest(1),
    { jsonrpc: "2.0", method: "notifications/initialized" },
    {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "echo", arguments: { message } },
    },
  ].map((line) => JSON.stringify(line) + "\n").join("");
}

/** One answer line of a session's stdout. */
export interface SessionAnswer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: unknown;
}

/** The answers to {@link echoSessionInput} on stdout, checked: ids 1 and 2, `message` echoed. */
export function readEchoSessionOutput(stdout: string, message: string): SessionAnswer[] {
  const answers: SessionAnswer[] = stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(answers.map((answer) => answer.id), [1, 2]);
  assert.ok(JSON.stringify(answers[1].result?.content).includes(message), stdout);
  return answers;
}

/** Initializes the session through the bridge and sends `notifications/initialized`. */
export async function initialize(bridge: BridgeProcess, protocolVersion?: string) {
  await bridge.send(initializeRequest("init", protocolVersion));
  const response = await bridge.response("init");
  await bridge.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  return response;
}
