/**
 * Picks the transport for a server: Streamable HTTP, the 2024-11-05 HTTP+SSE transport, or
 * (auto) Streamable HTTP first, falling back to HTTP+SSE when the first `initialize` POST is
 * answered 400, 404 or 405 — never on 401/403, which are authorization signals. The fallback
 * re-sends that initialize on the legacy transport, so the caller sees one answer. It only
 * chooses and delegates; all protocol rules live in the transports.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#backwards-compatibility
 */

import type { Scheduler } from "./resumable_stream.ts";
import type { ProtocolChoice, TransportChoice } from "../config/settings.ts";
import { BridgeError } from "../errors.ts";
import { isRequest, type JsonRpcMessage } from "../jsonrpc/message.ts";
import { noEndpointError } from "./endpoint_hint.ts";
import { createLegacySseTransport } from "./legacy_sse.ts";
import { type EraMemory, LegacyTransportSignal } from "./era.ts";
import { createStreamableHttpSession } from "./session.ts";
import type { SendOptions, Transport, TransportOptions } from "./types.ts";

/** A concrete transport. */
export type TransportKind = "streamable-http" | "sse";

/** Options of {@link createTransport}. */
export interface ConnectOptions extends TransportOptions {
  /** `auto` tries Streamable HTTP and falls back to HTTP+SSE. */
  choice: TransportChoice;
  /** Base delay before resuming a dropped stream when the server sent no `retry`, in ms. */
  reconnectDelayMs?: number;
  /** Waits between stream attempts; real timers by default. */
  scheduler?: Scheduler;
  /** `--protocol`: which era to speak toward the server (default `auto`: probe). */
  protocol?: ProtocolChoice;
  /** Where the server's era is remembered between runs (its state file). */
  eraMemory?: EraMemory;
  /**
   * Whether a 2025-era client toward a 2026-07-28 server is kept told of list changes and
   * resource updates, through a `subscriptions/listen` stream (default true). A client that shows
   * no notification (the command-line modes) says false, and no stream is opened.
   */
  listen?: boolean;
}

/** A transport that also says which protocol it speaks. */
export interface ConnectedTransport extends Transport {
  /**
   * The transport in use. In auto mode it is `streamable-http` until an `initialize` was
   * refused with 400/404/405, then `sse`.
   */
  readonly kind: TransportKind;
  /** Whether the kind is settled: an `initialize` was answered, or the choice was explicit. */
  readonly settled: boolean;
}

class SelectedTransport implements ConnectedTransport {
  readonly #options: ConnectOptions;
  #active: Transport;
  #kind: TransportKind;
  #settled: boolean;
  #switching: Promise<void> | undefined;
  #closed = false;

  constructor(options: ConnectOptions) {
    this.#options = options;
    this.#kind = options.choice === "sse" ? "sse" : "streamable-http";
    this.#settled = options.choice !== "auto";
    this.#active = this.#kind === "sse"
      ? createLegacySseTransport(options)
      : createStreamableHttpSession(options);
  }

  get kind(): TransportKind {
    return this.#kind;
  }

  get settled(): boolean {
    return this.#settled;
  }

  get protocolVersion(): string | undefined {
    return this.#active.protocolVersion;
  }

  serverStreamReady(): Promise<void> {
    return this.#active.serverStreamReady?.() ?? Promise.resolve();
  }

  async send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    if (this.#switching) await this.#switching;
    const active = this.#active;
    const isInitialize = isRequest(message) && message.method === "initialize";
    try {
      await active.send(message, options);
    } catch (error) {
      if (!(error instanceof LegacyTransportSignal) || this.#settled || this.#closed) throw error;
      if (active === this.#active) {
        this.#switching ??= this.#fallBack(error.status ?? 0).finally(() => {
          this.#switching = undefined;
        });
      }
      await this.#switching;
      try {
        return await this.#active.send(message, options);
      } catch (legacyError) {
        // Both transports were refused: say what was tried instead of the last refusal only.
        if (
          legacyError instanceof BridgeError && legacyError.kind === "http_error" &&
          legacyError.status !== undefined && [400, 404, 405].includes(legacyError.status)
        ) {
          throw noEndpointError(this.#options.url, [
            { request: "POST", status: error.status ?? 0 },
            { request: "SSE GET", status: legacyError.status },
          ]);
        }
        throw legacyError;
      }
    }
    if (isInitialize) this.#settled = true;
  }

  async #fallBack(status: number): Promise<void> {
    this.#options.log.info(
      `Server refused Streamable HTTP (HTTP ${status}); falling back to the HTTP+SSE transport`,
    );
    const old = this.#active;
    this.#active = createLegacySseTransport(this.#options);
    this.#kind = "sse";
    this.#settled = true;
    await old.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#switching?.catch(() => {});
    await this.#active.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Creates the transport for `options.choice`; nothing is sent until the first `send`. */
export function createTransport(options: ConnectOptions): ConnectedTransport {
  return new SelectedTransport(options);
}
