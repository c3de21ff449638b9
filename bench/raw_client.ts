/**
 * A raw stdio JSON-RPC client for the benchmark: spawns a program, writes request lines, and
 * matches answer lines to requests by id. No schema validation and no SDK, so what is measured is
 * the program on the other end of the pipe. Bench code only.
 *
 * @module
 */

/** What to spawn. */
export interface RawClientOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  /**
   * The `_meta` every request carries: a 2026-07-28 client's protocol version and capabilities
   * (`server/discover` and each later request). None for a 2025 client.
   */
  meta?: Record<string, unknown>;
}

/** The `_meta` of a 2026-07-28 stdio client's requests (MCP 2026-07-28, basic/versioning). */
export const MODERN_CLIENT_META: Record<string, unknown> = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": {
    name: "mcp-streamablehttp-client-bench",
    version: "1.0.0",
  },
};

/** How long `close` waits for the child to exit after stdin EOF before killing it, in ms. */
const CLOSE_GRACE_MS = 5_000;

/** One spawned program spoken to with newline-delimited JSON-RPC. */
export class RawStdioClient {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();
  readonly #waiting = new Map<number, (message: Record<string, unknown>) => void>();
  readonly #reading: Promise<void>;
  readonly #meta: Record<string, unknown> | undefined;
  #nextId = 1;
  /** The child's stderr, last 4000 characters (for error messages). */
  stderrTail = "";

  constructor(options: RawClientOptions) {
    this.#meta = options.meta;
    this.#child = new Deno.Command(options.command, {
      args: options.args,
      env: options.env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reading = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
  }

  /** The child's pid. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Sends a request and resolves with its answer (result or error). */
  async request(method: string, params: Record<string, unknown> = {}) {
    const id = this.#nextId++;
    const answered = new Promise<Record<string, unknown>>((resolve) =>
      this.#waiting.set(id, resolve)
    );
    const withMeta = this.#meta ? { ...params, _meta: this.#meta } : params;
    await this.#send({ jsonrpc: "2.0", id, method, params: withMeta });
    return await answered;
  }

  /** Sends a notification. */
  notify(method: string, params: Record<string, unknown> = {}): Promise<void> {
    return this.#send({ jsonrpc: "2.0", method, params });
  }

  /** `initialize` and `notifications/initialized`; resolves once initialize is answered. */
  async initialize(protocolVersion = "2025-11-25"): Promise<void> {
    const answer = await this.request("initialize", {
      protocolVersion,
      capabilities: {},
      clientInfo: { name: "mcp-streamablehttp-client-bench", version: "1.0.0" },
    });
    if (!answer.result) {
      throw new Error(`initialize failed: ${JSON.stringify(answer)}\n${this.stderrTail}`);
    }
    await this.notify("notifications/initialized");
  }

  /**
   * Starts the conversation the way the client's era does: `initialize` for a 2025 client,
   * `server/discover` for a 2026-07-28 one; resolves once that first request is answered.
   */
  async start(): Promise<void> {
    if (!this.#meta) return await this.initialize();
    const answer = await this.request("server/discover");
    if (!answer.result) {
      throw new Error(`server/discover failed: ${JSON.stringify(answer)}\n${this.stderrTail}`);
    }
  }

  /** Closes stdin and waits for the exit (kills after a grace period). */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS)),
    ]);
    clearTimeout(timer);
    if (!exited) this.#child.kill("SIGKILL");
    await this.#child.status;
    await this.#reading;
  }

  async #send(message: unknown): Promise<void> {
    await this.#writer.write(this.#encoder.encode(JSON.stringify(message) + "\n"));
  }

  #onLine(line: string): void {
    if (!line.trim()) return;
    const message = JSON.parse(line) as Record<string, unknown>;
    if (typeof message.id === "number" && !("method" in message)) {
      const resolve = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      resolve?.(message);
    }
  }

  async #readStdout(): Promise<void> {
    let parts: string[] = [];
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      let start = 0;
      let newline: number;
      while ((newline = chunk.indexOf("\n", start)) >= 0) {
        parts.push(chunk.slice(start, newline));
        this.#onLine(parts.join(""));
        parts = [];
        start = newline + 1;
      }
      if (start < chunk.length) parts.push(chunk.slice(start));
    }
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    }
  }
}
