/**
 * A minimal SDK client transport over a child process's stdio, written with Deno's own process
 * API and a linear newline splitter, for the benchmark. The SDK's `StdioClientTransport` keeps
 * its read buffer with `Buffer.concat` on every chunk and searches it from the start each time,
 * which makes one multi-megabyte line quadratic under Deno's small pipe chunks; measured through
 * it, a 5 MB result shows the SDK's buffer, not the bridge. This transport validates messages
 * with the same `JSONRPCMessageSchema` the SDK's transports use, so both benchmark paths pay the
 * same client-side costs. Bench code only.
 *
 * @module
 */

import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

/** What to spawn. */
export interface DenoStdioParameters {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Called with each chunk of the child's stderr (decoded). */
  onStderr?: (text: string) => void;
}

/** How long `close` waits for the child to exit after stdin EOF before killing it, in ms. */
const CLOSE_GRACE_MS = 5_000;

/** Spawns a program and speaks newline-delimited JSON-RPC with it over stdin and stdout. */
export class DenoStdioClientTransport implements Transport {
  readonly #parameters: DenoStdioParameters;
  #child: Deno.ChildProcess | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #reading: Promise<void> | undefined;
  readonly #encoder = new TextEncoder();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(parameters: DenoStdioParameters) {
    this.#parameters = parameters;
  }

  /** The child's pid, once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): Promise<void> {
    if (this.#child) throw new Error("DenoStdioClientTransport already started");
    const child = new Deno.Command(this.#parameters.command, {
      args: this.#parameters.args,
      env: this.#parameters.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reading = Promise.all([this.#readStdout(child), this.#readStderr(child)]).then(() => {
      this.onclose?.();
    });
    return Promise.resolve();
  }

  async #readStdout(child: Deno.ChildProcess): Promise<void> {
    const decoder = new TextDecoder();
    let parts: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of child.stdout) {
      let start = 0;
      let index: number;
      while ((index = chunk.indexOf(10, start)) !== -1) {
        parts.push(chunk.subarray(start, index));
        length += index - start;
        this.#deliver(decoder.decode(concat(parts, length)));
        parts = [];
        length = 0;
        start = index + 1;
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        length += chunk.length - start;
      }
    }
  }

  async #readStderr(child: Deno.ChildProcess): Promise<void> {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#parameters.onStderr?.(text);
    }
  }

  #deliver(line: string): void {
    if (line.trim() === "") return;
    try {
      this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(line)));
    } catch (error) {
      this.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.#writer) throw new Error("Not connected");
    await this.#writer.write(this.#encoder.encode(JSON.stringify(message) + "\n"));
  }

  async close(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    await this.#writer?.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
    }, CLOSE_GRACE_MS);
    await child.status;
    clearTimeout(timer);
    await this.#reading;
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
