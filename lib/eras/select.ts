/**
 * Picks how one stdio connection reaches the server, from the era its client speaks (read from
 * its first message) and the era the server speaks: a plain relay when they match, a
 * translation when they differ. Presents the {@link Transport} contract, so the relay does not
 * know which pairing it drives. The first exchange under an era remembered from an earlier run
 * is on trial: when the server refuses that era, the era is detected again and the client's
 * message sent once more under the right one (see `era_trial.ts`).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#compatibility-matrix
 * @module
 */

import { isRequest, type JsonRpcMessage } from "../jsonrpc/message.ts";
import type { Logger } from "../log.ts";
import { type ConnectOptions, createTransport } from "../transport/connect.ts";
import { createEraDetector, type EraDetector, type ServerEra } from "../transport/era.ts";
import { createStatelessTransport } from "../transport/stateless.ts";
import type { MessageHandler, SendOptions, Transport } from "../transport/types.ts";
import { EraTrial, watchFirstExchange } from "./era_trial.ts";
import { type ClientEra, detectClientEra } from "./wire.ts";

/** Options of {@link createEraSelection}. */
export interface EraSelectionOptions {
  /** Receives every message for the stdio client. */
  onMessage: MessageHandler;
  log: Logger;
  /** Opens the 2025-era (session) transport toward the server. */
  legacy: (onMessage: MessageHandler) => Transport;
  /** Opens the 2026-07-28 transport toward the server; absent when there is none. */
  modern?: (onMessage: MessageHandler) => Transport;
  /**
   * Finds the server's era (probe or remembered; `dual` is served modern) and hears when it
   * stopped working; absent means legacy.
   */
  detector?: Pick<EraDetector, "detect" | "remembered" | "invalidate" | "takeDiscoverResult">;
  /**
   * The version `--protocol` pins, if it does: nothing detects the era again after a refusal, so
   * the refusal is worth a warning that names the flag.
   */
  pinned?: string;
  /**
   * False: the translation for a 2025 client opens no `subscriptions/listen` stream (default
   * true).
   */
  listen?: boolean;
}

/** Which translation, if any, one pairing needs. */
export type Pairing =
  | "legacy-relay"
  | "modern-relay"
  | "legacy-client-to-modern-server"
  | "modern-client-to-legacy-server";

/** The pairing for a client era and a server era: the modern era whenever the server has it. */
export function choosePairing(client: ClientEra, server: ServerEra, hasModern: boolean): Pairing {
  const modernServer = hasModern && server !== "legacy";
  if (client === "legacy") return modernServer ? "legacy-client-to-modern-server" : "legacy-relay";
  return modernServer ? "modern-relay" : "modern-client-to-legacy-server";
}

/** The first exchange under a remembered era, and the messages that wait for its verdict. */
interface OnTrial {
  readonly trial: EraTrial;
  readonly era: ServerEra;
  /** The client's message on trial was sent. */
  taken: boolean;
  /** Resolves once later messages may go out (accepted, or the era detected again). */
  readonly settled: PromiseWithResolvers<void>;
}

class EraSelection implements Transport {
  readonly #options: EraSelectionOptions;
  #active: Promise<Transport> | undefined;
  /** What `#active` resolved to, so later messages go out without waiting a turn for it. */
  #selected: Transport | undefined;
  #pairing: Pairing | undefined;
  #client: ClientEra | undefined;
  #onTrial: OnTrial | undefined;

  constructor(options: EraSelectionOptions) {
    this.#options = options;
  }

  get protocolVersion(): string | undefined {
    return undefined;
  }

  /** The pairing in use, once the first message decided it. */
  get pairing(): Pairing | undefined {
    return this.#pairing;
  }

  send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    const selected = this.#selected;
    if (selected !== undefined && this.#onTrial === undefined) {
      return selected.send(message, options);
    }
    return this.#sendSelecting(message, options);
  }

  async #sendSelecting(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    const active = await this.#start(message);
    const onTrial = this.#onTrial;
    if (onTrial !== undefined && isRequest(message)) {
      if (!onTrial.taken) {
        onTrial.taken = true;
        return await this.#sendOnTrial(active, onTrial, message, options);
      }
      await onTrial.settled.promise;
      return await this.send(message, options);
    }
    await active.send(message, options);
  }

  #start(message: JsonRpcMessage): Promise<Transport> {
    if (this.#active === undefined) {
      this.#client ??= detectClientEra(message) ?? "legacy";
      const selecting = this.#select(this.#client);
      this.#active = selecting;
      selecting.then((transport) => {
        if (this.#active === selecting) this.#selected = transport;
      }, () => {
        // A failed probe decides nothing: the next message tries again.
        if (this.#active === selecting) this.#active = undefined;
      });
    }
    return this.#active;
  }

  /**
   * Sends the first request under a remembered era. When the server refused the era, the
   * refusal was kept from the client: the era is detected again and the request sent once more.
   */
  async #sendOnTrial(
    active: Transport,
    onTrial: OnTrial,
    message: JsonRpcMessage,
    options?: SendOptions,
  ): Promise<void> {
    const { trial } = onTrial;
    const release = () => {
      if (this.#onTrial === onTrial) this.#onTrial = undefined;
      onTrial.settled.resolve();
    };
    trial.decided.then(() => {
      if (!trial.refused) release();
    });
    let failure: { error: unknown } | undefined;
    try {
      await active.send(message, options);
    } catch (error) {
      failure = { error };
    }
    if (!trial.refused) {
      trial.accept();
      if (failure) throw failure.error;
      return;
    }
    this.#options.log.info(
      `Server refused the ${onTrial.era} era remembered from an earlier run; detecting its era again`,
    );
    await active.close().catch(() => {});
    await this.#options.detector?.invalidate();
    this.#active = undefined;
    this.#selected = undefined;
    const next = this.#start(message);
    release();
    await (await next).send(message, options);
  }

  async #select(client: ClientEra): Promise<Transport> {
    const { modern, legacy, onMessage, log, detector } = this.#options;
    const server = detector ? await detector.detect() : "legacy";
    const trial = new EraTrial({ retryable: detector?.remembered ?? false });
    this.#onTrial = trial.retryable
      ? { trial, era: server, taken: false, settled: Promise.withResolvers() }
      : undefined;
    // A verdict probed just now is not probed again in this run; the next run will.
    trial.decided.then(async () => {
      if (!trial.refused || trial.retryable) return;
      if (this.#options.pinned) {
        log.warn(
          `Server refused the first request under protocol "${this.#options.pinned}" (set by ` +
            `--protocol or MCP_CLIENT_PROTOCOL): if it speaks the other era, use --protocol auto`,
        );
      }
      await detector?.invalidate();
    });
    const pairing = choosePairing(client, server, modern !== undefined);
    this.#pairing = pairing;
    log.info(`Client speaks the ${client} era, server the ${server} era: ${pairing}`);
    const toClient: MessageHandler = (message, raw, origin) =>
      trial.holdsBack ? undefined : onMessage(message, raw, origin);
    const toLegacy = (handler: MessageHandler) =>
      watchFirstExchange(legacy, handler, { trial, assumed: "legacy" });
    const toModern = (handler: MessageHandler) =>
      watchFirstExchange(modern!, handler, { trial, assumed: "modern" });
    switch (pairing) {
      case "legacy-relay":
        return toLegacy(toClient);
      case "modern-relay":
        return toModern(toClient);
      // The translations are loaded only for the pairings that need them.
      case "legacy-client-to-modern-server": {
        const { ModernServerTranslation } = await import("./to_modern_server.ts");
        return new ModernServerTranslation({
          upstream: toModern,
          onMessage: toClient,
          log,
          discovered: detector?.takeDiscoverResult(),
          listen: this.#options.listen,
        });
      }
      case "modern-client-to-legacy-server": {
        const { LegacyServerTranslation } = await import("./to_legacy_server.ts");
        return new LegacyServerTranslation({ upstream: toLegacy, onMessage: toClient, log });
      }
    }
  }

  async close(): Promise<void> {
    if (this.#active === undefined) return;
    const active = await this.#active.catch(() => undefined);
    await active?.close();
  }
}

/** Creates the transport of one stdio connection; nothing is sent before its first message. */
export function createEraSelection(options: EraSelectionOptions): Transport & {
  readonly pairing: Pairing | undefined;
} {
  return new EraSelection(options);
}

/** A connection to the server whose pairing is known after its first message. */
export type ServerConnection = Transport & { readonly pairing: Pairing | undefined };

/**
 * The one place that opens the way to the server for the relay and the CLI client: the era
 * selection over the session transport (`--transport`) and, where the server speaks it, the
 * 2026-07-28 transport.
 */
export function connectServer(options: ConnectOptions): ServerConnection {
  const { onMessage, log } = options;
  // --transport sse names a 2024-11-05 server: nothing to probe.
  const protocol = options.choice === "sse" ? "2025-11-25" : options.protocol ?? "auto";
  const pinned = options.choice !== "sse" && protocol !== "auto" ? protocol : undefined;
  const detector = createEraDetector({ ...options, protocol, memory: options.eraMemory });
  return createEraSelection({
    onMessage,
    log,
    legacy: (toClient) => createTransport({ ...options, onMessage: toClient }),
    modern: (toClient) => createStatelessTransport({ ...options, onMessage: toClient }),
    detector,
    pinned,
    listen: options.listen,
  });
}
