/**
 * Stdio MCP clients that spawn the real bridge (main.ts with the compile permission set, in an
 * isolated environment): the SDK v2 client (`@modelcontextprotocol/client` 2.4.0, a 2026-07-28
 * client with version negotiation `auto` or pinned) and the SDK v1 client (a 2025-era client).
 * For the era pairing tests.
 *
 * @module
 */

import { Client as ModernClient } from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdio } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdio } from "@modelcontextprotocol/sdk/client/stdio.js";
import { baseEnv, createTempDir, mainArgs } from "./main_process.ts";

/** How the SDK v2 client negotiates: probe with `server/discover` and fall back, or pinned. */
export type Negotiation = "auto" | "pin";

/** The bridge's stderr, collected for assertions and failure messages. */
export interface Stderr {
  text(): string;
}

function bridgeParams(serverUrl: URL, extraEnv: Record<string, string>) {
  return {
    command: Deno.execPath(),
    args: mainArgs([]),
    env: baseEnv({ MCP_SERVER_URL: serverUrl.href, ...extraEnv }),
    cwd: createTempDir(),
    stderr: "pipe" as const,
  };
}

function collect(stream: { on(event: "data", fn: (chunk: Uint8Array) => void): void } | null) {
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  stream?.on("data", (chunk) => chunks.push(decoder.decode(chunk)));
  return { text: () => chunks.join("") };
}

/**
 * The SDK v2 stdio transport whose probe sibling is reaped by closing its stdin and waiting for
 * the exit; the SDK's own reaper signals it and races a 1 s timer it never clears.
 */
const ReapedModernStdio = class extends (ModernStdio as new (...args: never[]) => object) {};
Object.defineProperty(ReapedModernStdio.prototype, "_dispose", {
  value(this: unknown) {
    return endChild(this);
  },
});

/** Options of {@link connectModernClient}. */
export interface ModernClientOptions {
  negotiation: Negotiation;
  /** Client capabilities (default: form + URL elicitation and sampling). */
  capabilities?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Registers request handlers before connecting. */
  setup?: (client: ModernClient) => void;
}

/** A 2026-07-28 SDK v2 client connected through a spawned bridge; dispose to close it. */
export async function connectModernClient(
  serverUrl: URL,
  options: ModernClientOptions,
): Promise<{ client: ModernClient; stderr: Stderr } & AsyncDisposable> {
  const transport = new ModernStdio(bridgeParams(serverUrl, options.env ?? {}));
  // The negotiation probe runs on a sibling built with `transport.constructor`.
  Object.defineProperty(transport, "constructor", { value: ReapedModernStdio });
  const stderr = collect(transport.stderr as never);
  const client = new ModernClient({ name: "pairing-test-v2", version: "1.0.0" }, {
    capabilities: (options.capabilities ?? {
      elicitation: { form: {}, url: {} },
      sampling: {},
    }) as never,
    versionNegotiation: {
      mode: options.negotiation === "auto" ? "auto" : { pin: "2026-07-28" },
    },
  } as never);
  options.setup?.(client);
  await client.connect(transport);
  return {
    client,
    stderr,
    async [Symbol.asyncDispose]() {
      await endChild(transport);
      await client.close();
    },
  };
}

/** A 2025-era SDK v1 client connected through a spawned bridge; dispose to close it. */
export async function connectLegacyClient(
  serverUrl: URL,
  options: {
    capabilities?: Record<string, unknown>;
    env?: Record<string, string>;
    setup?: (client: LegacyClient) => void;
  } = {},
): Promise<{ client: LegacyClient; stderr: Stderr } & AsyncDisposable> {
  const transport = new LegacyStdio(bridgeParams(serverUrl, options.env ?? {}));
  const stderr = collect(transport.stderr as never);
  const client = new LegacyClient({ name: "pairing-test-v1", version: "1.0.0" }, {
    capabilities: options.capabilities ?? { elicitation: { form: {}, url: {} }, sampling: {} },
  });
  options.setup?.(client);
  await client.connect(transport);
  return {
    client,
    stderr,
    async [Symbol.asyncDispose]() {
      await endChild(transport);
      await client.close();
    },
  };
}

/** A child process as both SDKs' `StdioClientTransport` hold it (node:child_process). */
interface StdioChild {
  stdin?: { end(): void } | null;
  exitCode: number | null;
  once(event: "close", fn: () => void): void;
}

/**
 * Ends the bridge the way a host does (stdin closed, then wait for its exit) before the SDK's
 * own `close`, which races the exit against a 2 s timer it never clears (the op sanitizer would
 * report it); the SDK then finds no process left and only tears down its state.
 */
async function endChild(transport: unknown): Promise<void> {
  const holder = transport as { _process?: StdioChild };
  const child = holder._process;
  if (child === undefined) return;
  holder._process = undefined;
  const closed = new Promise<void>((resolve) => child.once("close", resolve));
  child.stdin?.end();
  await closed;
}

/** The text content of a tool result, joined. */
export function toolText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((item) => item.text ?? "").join("");
}
