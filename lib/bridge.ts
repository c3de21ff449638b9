/**
 * The stdio ⇄ server relay (proxy mode). Reads newline-delimited JSON-RPC from stdin, relays each
 * message to the server through the transport without waiting for earlier ones, and writes every
 * message the server sends to stdout through one serialized writer. Owns the "exactly one answer
 * per request" rule: per-request timeouts (reset by progress), errors for requests the transport
 * could not complete, and the answers owed for malformed lines. It never writes anything but
 * JSON-RPC to stdout and knows nothing about HTTP or OAuth.
 *
 * @module
 */

import { realTimers, type Timers, withDeadline } from "./async.ts";
import type { OAuthSettings, Settings } from "./config/settings.ts";
import { DEFAULT_AUTH_TIMEOUT_MS, SIGN_IN_PROGRESS_INTERVAL_MS } from "./constants.ts";
import { BridgeError, ExitCode, toBridgeError, toInterruptedError } from "./errors.ts";
import { formatLine, LineSplitter, parseLine } from "./jsonrpc/framing.ts";
import { createLineWriter, type LineWriter } from "./jsonrpc/line_writer.ts";
import {
  createBridgeErrorResponse,
  isBridgeId,
  isErrorResponse,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
} from "./jsonrpc/message.ts";
import { type PendingRequest, PendingRequests } from "./jsonrpc/pending_requests.ts";
import type { Logger } from "./log.ts";
import type { ProcessIo } from "./process_io.ts";
import { connectServer } from "./eras/select.ts";
import { eraOptions } from "./transport/era_memory.ts";
import type { CredentialProvider, MessageHandler, Transport } from "./transport/types.ts";

/** How long stdin EOF waits for in-flight requests before closing the session, in ms. */
const EOF_GRACE_MS = 10_000;

/** What the proxy needs from the entry point: the server, the process streams, fetch and tokens. */
export interface BridgeContext {
  settings:
    & Pick<Settings, "serverUrl" | "headers" | "transport" | "timeoutMs">
    & Partial<Pick<Settings, "protocol" | "stateFile">>
    & {
      oauth: Pick<OAuthSettings, "authTimeoutMs">;
    };
  log: Logger;
  io: Pick<ProcessIo, "stdin" | "stdout" | "stdoutWriter" | "signal">;
  /** Fetch with the custom CA applied. */
  fetch: typeof fetch;
  /** Supplies and renews bearer tokens. */
  credentials: CredentialProvider;
}

/** The relay between one stdio client and one transport. */
export class Relay {
  readonly #transport: Transport;
  readonly #out: LineWriter;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #initializeTimeoutMs: number;
  readonly #pending: PendingRequests;
  readonly #inFlight = new Set<Promise<void>>();
  #initializing: Promise<void> | undefined;
  readonly #timers: Timers;
  readonly #progressIntervalMs: number;
  /** The interactive sign-in requests are waiting for, while it runs. */
  #signIn: { message: string; progress: number; timer?: unknown } | undefined;
  #unwatchSignIn: (() => void) | undefined;

  constructor(
    options: {
      transport: (onMessage: MessageHandler) => Transport;
      out: LineWriter;
      log: Logger;
      timeoutMs: number;
      authTimeoutMs?: number;
      /** Subscribes to interactive sign-ins (the credential provider's `watchSignIn`). */
      watchSignIn?: CredentialProvider["watchSignIn"];
      /** How often waiting requests hear progress during a sign-in, in ms. */
      signInProgressIntervalMs?: number;
      /** The timers of the per-request timeouts and sign-in progress; the real ones by default. */
      timers?: Timers;
    },
  ) {
    this.#timers = options.timers ?? realTimers;
    this.#progressIntervalMs = options.signInProgressIntervalMs ?? SIGN_IN_PROGRESS_INTERVAL_MS;
    this.#unwatchSignIn = options.watchSignIn?.((event) => {
      if (event.kind === "started") this.#signInStarted(event.message);
      else this.#signInFinished();
    });
    this.#out = options.out;
    this.#log = options.log;
    this.#timeoutMs = options.timeoutMs;
    this.#initializeTimeoutMs = options.timeoutMs === 0
      ? 0
      : options.timeoutMs + (options.authTimeoutMs ?? DEFAULT_AUTH_TIMEOUT_MS);
    this.#pending = new PendingRequests({
      onTimeout: (request) => this.#timedOut(request),
      ...(options.timers ? { timers: options.timers } : {}),
    });
    this.#transport = options.transport((message, raw) => this.#fromServer(message, raw));
  }

  /** Handles one line read from stdin. */
  acceptLine(line: string): void {
    const parsed = parseLine(line);
    switch (parsed.kind) {
      case "empty":
        return;
      case "invalid":
        this.#log.warn(`Invalid message on stdin: ${parsed.response.error.message}`);
        this.#out.write(JSON.stringify(parsed.response));
        return;
      case "batch":
        for (const response of parsed.errors) this.#out.write(JSON.stringify(response));
        for (const message of parsed.messages) this.#fromClient(message);
        return;
      case "message":
        this.#fromClient(parsed.message, parsed.raw);
        return;
    }
  }

  #track(work: Promise<void>): void {
    this.#inFlight.add(work);
    work.finally(() => this.#inFlight.delete(work));
  }

  #fromClient(message: JsonRpcMessage, raw?: string): void {
    if (isRequest(message)) {
      if (this.#pending.has(message.id)) {
        this.#out.write(JSON.stringify(createBridgeErrorResponse(
          message.id,
          new BridgeError("invalid_request", "Request id is already in flight", {
            hint: "Use a new id for every request",
          }),
        )));
        return;
      }
      this.#track(this.#relayRequest(message, raw));
      return;
    }
    if (isNotification(message) && message.method === "notifications/cancelled") {
      const requestId = message.params?.requestId;
      if (typeof requestId === "string" || typeof requestId === "number") {
        const pending = this.#pending.get(requestId);
        if (pending) {
          this.#pending.settle(requestId);
          pending.controller.abort(new DOMException("Cancelled by the client", "AbortError"));
        }
      }
    }
    this.#track(this.#relayOther(message, raw));
  }

  async #relayRequest(message: JsonRpcRequest, raw?: string): Promise<void> {
    const isInitialize = message.method === "initialize";
    // A listen stream lives until the client cancels it (2026-07-28 subscriptions).
    const timeoutMs = message.method === "subscriptions/listen"
      ? 0
      : isInitialize
      ? this.#initializeTimeoutMs
      : this.#timeoutMs;
    const pending = this.#pending.add(message, timeoutMs);
    this.#sendSignInProgress(pending);
    let done: () => void = () => {};
    let gate: Promise<void> | undefined;
    if (isInitialize) {
      const previous = this.#initializing;
      gate = this.#initializing = new Promise((resolve) => done = resolve);
      if (previous) await previous;
    } else if (this.#initializing) {
      await this.#initializing;
    }
    try {
      await this.#transport.send(message, {
        raw,
        signal: pending.controller.signal,
        onWaitingForClient: (waiting) => this.#pending.waitOnClient(message.id, waiting),
      });
    } catch (error) {
      if (this.#pending.settle(message.id) === "settled") {
        const failure = toBridgeError(error);
        this.#log.warn(`Request ${message.method} failed: ${failure.message}`);
        this.#out.write(JSON.stringify(createBridgeErrorResponse(message.id, failure)));
      }
    } finally {
      // A response-less end of the exchange still owes the client an answer.
      if (this.#pending.settle(message.id) === "settled") {
        this.#out.write(JSON.stringify(createBridgeErrorResponse(
          message.id,
          new BridgeError("protocol", "Server ended the exchange without a response"),
        )));
      }
      done();
      if (gate !== undefined && this.#initializing === gate) this.#initializing = undefined;
    }
  }

  async #relayOther(message: JsonRpcMessage, raw?: string): Promise<void> {
    if (this.#initializing) await this.#initializing;
    try {
      await this.#transport.send(message, { raw });
    } catch (error) {
      const failure = toBridgeError(error);
      const what = isResponse(message) ? "response" : `notification ${message.method}`;
      this.#log.warn(`Cannot relay ${what}: ${failure.message}`);
    }
  }

  /** Queues the message for stdout; returns the writer's backpressure for the transport. */
  #fromServer(message: JsonRpcMessage, raw?: string): Promise<void> | undefined {
    if (isResponse(message)) {
      if (message.id === null) {
        const text = isErrorResponse(message) ? message.error.message : "no message";
        this.#log.warn(`Server sent an error without id: ${text}`);
        return undefined;
      }
      if (isBridgeId(message.id)) return undefined;
      if (this.#pending.settle(message.id) === "unknown") {
        this.#log.debug("Dropping a response for a request that timed out or was cancelled");
        return undefined;
      }
    } else if (isNotification(message) && message.method === "notifications/progress") {
      this.#pending.touchProgress(message.params?.progressToken);
    }
    this.#out.write(formatLine(message, raw));
    return this.#out.backpressure();
  }

  /**
   * A sign-in started: every request waits for it (bounded by `--auth-timeout`), so their timers
   * stop, and those with a progress token hear why they wait, now and every interval.
   */
  #signInStarted(message: string): void {
    if (this.#signIn) return;
    this.#signIn = { message, progress: 0 };
    this.#pending.hold(true);
    const tick = () => {
      const signIn = this.#signIn;
      if (!signIn) return;
      signIn.progress++;
      for (const request of this.#pending.list()) this.#sendSignInProgress(request);
      signIn.timer = this.#timers.setTimeout(tick, this.#progressIntervalMs);
    };
    tick();
  }

  #signInFinished(): void {
    const signIn = this.#signIn;
    if (!signIn) return;
    this.#signIn = undefined;
    if (signIn.timer !== undefined) this.#timers.clearTimeout(signIn.timer);
    this.#pending.hold(false);
  }

  #sendSignInProgress(request: PendingRequest): void {
    if (!this.#signIn || request.progressToken === undefined) return;
    this.#out.write(JSON.stringify({
      jsonrpc: "2.0",
      method: "notifications/progress",
      params: {
        progressToken: request.progressToken,
        progress: this.#signIn.progress,
        message: this.#signIn.message,
      },
    }));
  }

  #timedOut(request: PendingRequest): void {
    const failure = new BridgeError(
      "timeout",
      `Request ${request.method} timed out after ${request.timeoutMs / 1000} s`,
    );
    this.#out.write(JSON.stringify(createBridgeErrorResponse(request.id, failure)));
    request.controller.abort(failure);
    if (request.method !== "initialize") {
      const cancel: JsonRpcMessage = {
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: request.id, reason: "Timed out in mcp-streamablehttp-client" },
      };
      this.#track(this.#relayOther(cancel));
    }
  }

  /**
   * Waits for in-flight requests up to `graceMs`, then ends the session. Requests still pending
   * are answered with `interrupted` (the reason, after a signal) or `stream_lost`.
   */
  async shutdown(graceMs: number, interrupted?: BridgeError): Promise<void> {
    if (this.#pending.size > 0 && graceMs > 0) {
      await withDeadline(this.#pending.drained(), { ms: graceMs }).catch(() => {});
    }
    const reason = interrupted ?? new DOMException("Shutting down", "AbortError");
    const abandoned = this.#pending.abortAll(reason);
    for (const request of abandoned) {
      this.#out.write(JSON.stringify(createBridgeErrorResponse(
        request.id,
        interrupted ??
          new BridgeError("stream_lost", "Bridge is shutting down", {
            hint: "Retry after restart",
          }),
      )));
    }
    this.#signInFinished();
    this.#unwatchSignIn?.();
    await Promise.allSettled([...this.#inFlight]);
    await this.#transport.close().catch((error) => {
      this.#log.debug(`Closing the session failed: ${toBridgeError(error).message}`);
    });
    await this.#out.flush();
  }
}

/**
 * Reads newline-delimited text from `stdin` as UTF-8 and hands each line (without its newline or
 * a trailing CR) to `onLine`, the unterminated last one included; ends at EOF or on abort.
 */
export async function readLines(
  stdin: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<void> {
  // A reader and a streaming TextDecoder, not pipeThrough(TextDecoderStream): the pipe's
  // transform stream costs promises per chunk and milliseconds to set up at start.
  const reader = stdin.getReader();
  const decoder = new TextDecoder();
  const splitter = new LineSplitter();
  // Cancelling the reader ends a pending read at once (done), so no race per chunk is needed.
  const stop = () => reader.cancel().catch(() => {});
  if (signal.aborted) stop();
  signal.addEventListener("abort", stop, { once: true });
  try {
    while (true) {
      const next = await reader.read();
      if (next.done) break;
      for (const line of splitter.push(decoder.decode(next.value, { stream: true }))) onLine(line);
    }
    splitter.push(decoder.decode()); // an unfinished UTF-8 sequence at the end, as U+FFFD
    const rest = splitter.flush();
    if (rest !== undefined && !signal.aborted) onLine(rest);
  } finally {
    signal.removeEventListener("abort", stop);
    stop();
  }
}

/** Runs the proxy until stdin ends or a signal arrives; resolves to the exit code. */
export async function runBridge(context: BridgeContext): Promise<number> {
  const { settings, io } = context;
  const log = context.log.child("proxy");
  const out = createLineWriter(io.stdoutWriter ?? io.stdout);
  const relay = new Relay({
    transport: (onMessage) =>
      connectServer({
        url: settings.serverUrl,
        headers: settings.headers,
        credentials: context.credentials,
        onMessage,
        fetch: context.fetch,
        log: context.log.child("http"),
        choice: settings.transport,
        ...eraOptions(settings),
      }),
    out,
    log,
    timeoutMs: settings.timeoutMs,
    authTimeoutMs: settings.oauth.authTimeoutMs,
    watchSignIn: context.credentials.watchSignIn?.bind(context.credentials),
  });
  log.info(`Relaying stdio to ${settings.serverUrl.origin}${settings.serverUrl.pathname}`);
  await readLines(io.stdin, io.signal, (line) => relay.acceptLine(line));
  log.debug(io.signal.aborted ? "Signal received, shutting down" : "stdin closed, shutting down");
  if (!io.signal.aborted) {
    await relay.shutdown(EOF_GRACE_MS);
    await out.close();
    return ExitCode.ok;
  }
  const interrupted = toInterruptedError(io.signal.reason);
  await relay.shutdown(0, interrupted);
  await out.close();
  // A host stops its server with SIGTERM: that is a normal end. Ctrl-C is an interruption.
  return interrupted.details?.signal === "SIGTERM" ? ExitCode.ok : ExitCode.interrupted;
}
