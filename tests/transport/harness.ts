/**
 * Shared helpers for the transport tests: a recording message handler, a capturing logger,
 * credential providers that count calls, and the client side of the MCP handshake.
 *
 * @module
 */

import type { JsonRpcMessage, JsonRpcRequest } from "../../lib/jsonrpc/message.ts";
import { isRequest } from "../../lib/jsonrpc/message.ts";
import { createLogger, type Logger } from "../../lib/log.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import type { AuthRefusal, CredentialProvider, Transport } from "../../lib/transport/types.ts";
import { awaitWithin, HANG_GUARD_MS } from "../support/wait.ts";

/** One message passed to onMessage. */
export interface Received {
  message: JsonRpcMessage;
  raw?: string;
}

/** Collects messages and lets a test wait for one. */
export class Inbox {
  readonly received: Received[] = [];
  #waiters: Array<{ test: (m: JsonRpcMessage) => boolean; resolve: (m: JsonRpcMessage) => void }> =
    [];
  /** Called for every server→client request, e.g. to answer it. */
  onRequest?: (request: JsonRpcRequest) => void;

  readonly handler = (message: JsonRpcMessage, raw?: string): void => {
    this.received.push({ message, raw });
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.test(message)) return true;
      waiter.resolve(message);
      return false;
    });
    if (isRequest(message)) this.onRequest?.(message);
  };

  get messages(): JsonRpcMessage[] {
    return this.received.map((r) => r.message);
  }

  /** Resolves with the first message (already received or future) that passes `test`. */
  waitFor(
    test: (m: JsonRpcMessage) => boolean,
    timeoutMs = HANG_GUARD_MS,
  ): Promise<JsonRpcMessage> {
    const found = this.messages.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("timed out waiting for a message")),
        timeoutMs,
      );
      this.#waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Messages with the given method. */
  withMethod(method: string): JsonRpcMessage[] {
    return this.messages.filter((m) => "method" in m && m.method === method);
  }

  /** Responses with the given id. */
  withId(id: string | number): JsonRpcMessage[] {
    return this.messages.filter((m) => !("method" in m) && "id" in m && m.id === id);
  }
}

/** A logger whose lines are kept in `lines`; `waitForLine` resolves on the first match. */
export function createCapturingLogger(): {
  log: Logger;
  lines: string[];
  waitForLine(pattern: RegExp): Promise<string>;
} {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const sink = (line: string) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  const waitForLine = (pattern: RegExp) => {
    const found = lines.find((line) => pattern.test(line));
    if (found !== undefined) return Promise.resolve(found);
    return awaitWithin(
      new Promise<string>((resolve) => waiters.push({ pattern, resolve })),
      `a log line matching ${pattern}`,
    );
  };
  return { log: createLogger({ level: "DEBUG", sink }), lines, waitForLine };
}

/** A provider that starts with `initial` and hands out `renewed` on each refusal. */
export function createRenewingCredentials(
  initial: string | undefined,
  renewed: string[],
): CredentialProvider & { refusals: AuthRefusal[] } {
  let current = initial;
  const refusals: AuthRefusal[] = [];
  return {
    refusals,
    accessToken: () => Promise.resolve(current),
    handleRefusal(refusal) {
      refusals.push(refusal);
      const next = renewed.shift();
      if (next === undefined) return Promise.reject(new Error("no more tokens"));
      current = next;
      return Promise.resolve(next);
    },
  };
}

/** Initialize params as a client would send them. */
export function initializeParams(protocolVersion = "2025-11-25"): Record<string, unknown> {
  return {
    protocolVersion,
    capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
    clientInfo: { name: "transport-test", version: "1.0.0" },
  };
}

/** Sends initialize (id 0) and notifications/initialized. */
export async function handshake(
  transport: Transport,
  protocolVersion = "2025-11-25",
): Promise<void> {
  await transport.send({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: initializeParams(protocolVersion),
  });
  await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
}

/** A tools/call request. */
export function callTool(
  id: string | number,
  name: string,
  args: Record<string, unknown> = {},
  progressToken?: string | number,
): JsonRpcRequest {
  const params: Record<string, unknown> = { name, arguments: args };
  if (progressToken !== undefined) params._meta = { progressToken };
  return { jsonrpc: "2.0", id, method: "tools/call", params };
}

/** The text of the first content item of a tools/call result message. */
export function resultText(message: JsonRpcMessage | undefined): string | undefined {
  if (!message || !("result" in message)) return undefined;
  const content = (message.result as { content?: Array<{ text?: string }> }).content;
  return content?.[0]?.text;
}

/**
 * Everything a transport under test needs besides its URL and kind: an inbox for its messages, a
 * capturing logger, the credentials (a static token by default) and a short reconnect delay.
 */
export function createTestTransportOptions(url: URL, credentials?: CredentialProvider) {
  const inbox = new Inbox();
  const { log, lines, waitForLine } = createCapturingLogger();
  return {
    inbox,
    lines,
    waitForLine,
    options: {
      url,
      headers: [] as [string, string][],
      credentials: credentials ?? createStaticCredentials("legacy-token-1"),
      onMessage: inbox.handler,
      fetch: globalThis.fetch,
      log,
      reconnectDelayMs: 20,
    },
  };
}
