/**
 * Picks how one stdio connection reaches the server, from the era its client speaks (read from
 * its first message) and the era the server speaks: a plain relay when they match, a
 * translation when they differ. Presents the {@link Transport} contract, so the relay does not
 * know which pairing it drives.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#compatibility-matrix
 * @module
 */

import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import type { Logger } from "../log.ts";
import { type ConnectOptions, createTransport } from "../transport/connect.ts";
import { createEraDetector, forgetEraOnRefusal, type ServerEra } from "../transport/era.ts";
import { createStatelessTransport } from "../transport/stateless.ts";
import type { MessageHandler, SendOptions, Transport } from "../transport/types.ts";
import { LegacyServerTranslation } from "./to_legacy_server.ts";
import { ModernServerTranslation } from "./to_modern_server.ts";
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
  /** Finds the server's era (probe or remembered); absent means legacy; `dual` is served modern. */
  serverEra?: () => Promise<ServerEra>;
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

class EraSelection implements Transport {
  readonly #options: EraSelectionOptions;
  #active: Promise<Transport> | undefined;
  #pairing: Pairing | undefined;

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

  async send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    if (this.#active === undefined) {
      const selecting = this.#select(detectClientEra(message) ?? "legacy");
      this.#active = selecting;
      // A failed probe decides nothing: the next message tries again.
      selecting.catch(() => {
        if (this.#active === selecting) this.#active = undefined;
      });
    }
    const active = await this.#active;
    await active.send(message, options);
  }

  async #select(client: ClientEra): Promise<Transport> {
    const { modern, legacy, onMessage, log } = this.#options;
    const server = this.#options.serverEra ? await this.#options.serverEra() : "legacy";
    const pairing = choosePairing(client, server, modern !== undefined);
    this.#pairing = pairing;
    log.info(`Client speaks the ${client} era, server the ${server} era: ${pairing}`);
    switch (pairing) {
      case "legacy-relay":
        return legacy(onMessage);
      case "modern-relay":
        return modern!(onMessage);
      case "legacy-client-to-modern-server":
        return new ModernServerTranslation({ upstream: modern!, onMessage, log });
      case "modern-client-to-legacy-server":
        return new LegacyServerTranslation({ upstream: legacy, onMessage, log });
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
  const detector = createEraDetector({ ...options, protocol, memory: options.eraMemory });
  return createEraSelection({
    onMessage,
    log,
    legacy: (toClient) =>
      forgetEraOnRefusal(createTransport({ ...options, onMessage: toClient }), detector),
    modern: (toClient) =>
      forgetEraOnRefusal(createStatelessTransport({ ...options, onMessage: toClient }), detector),
    serverEra: () => detector.detect(),
  });
}
