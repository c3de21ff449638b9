/**
 * The first exchange under a remembered era, on trial: the transport toward the server is
 * watched until its first request is answered. A refusal that says the era is wrong (see
 * {@link refusesEra}) is kept from the stdio client, together with whatever the translation
 * made of it, so the selection can detect the era again and send the client's message once
 * more; any other answer, or any other message from the server, ends the trial. Sends nothing
 * itself.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#backward-compatibility
 * @module
 */

import {
  idKey,
  isRequest,
  isResponse,
  type JsonRpcId,
  type JsonRpcMessage,
} from "../jsonrpc/message.ts";
import { refusesEra } from "../transport/era.ts";
import type { MessageHandler, Transport } from "../transport/types.ts";

/** How the first exchange of one selection went. */
export class EraTrial {
  /** Whether a refusal is held back for a second attempt (the era came from memory). */
  readonly retryable: boolean;
  #state: "open" | "accepted" | "refused" = "open";
  readonly #decided = Promise.withResolvers<void>();

  constructor(options: { retryable: boolean }) {
    this.retryable = options.retryable;
  }

  /** Whether the first exchange is still undecided. */
  get open(): boolean {
    return this.#state === "open";
  }

  /** Whether the first exchange refused the era. */
  get refused(): boolean {
    return this.#state === "refused";
  }

  /** Resolves once the trial is decided. */
  get decided(): Promise<void> {
    return this.#decided.promise;
  }

  /** The era works. */
  accept(): void {
    if (this.#state !== "open") return;
    this.#state = "accepted";
    this.#decided.resolve();
  }

  /** The era was refused. */
  refuse(): void {
    if (this.#state !== "open") return;
    this.#state = "refused";
    this.#decided.resolve();
  }

  /** Whether a message for the client is a consequence of a refusal about to be retried. */
  get holdsBack(): boolean {
    return this.retryable && this.#state === "refused";
  }
}

/**
 * Opens the transport of `create` with its first exchange watched by `trial`: the first request
 * sent, and the response or error it ends with, judged for the era `assumed`.
 */
export function watchFirstExchange(
  create: (onMessage: MessageHandler) => Transport,
  onMessage: MessageHandler,
  options: { trial: EraTrial; assumed: "modern" | "legacy" },
): Transport {
  const { trial, assumed } = options;
  let first: string | undefined;
  const transport = create((message: JsonRpcMessage, raw, origin) => {
    if (trial.open) {
      const answersFirst = isResponse(message) && message.id !== null &&
        idKey(message.id) === first;
      if (answersFirst && refusesEra({ response: message }, assumed)) {
        trial.refuse();
      } else {
        trial.accept();
      }
    }
    if (trial.holdsBack) return;
    return onMessage(message, raw, origin);
  });
  return {
    get protocolVersion() {
      return transport.protocolVersion;
    },
    async send(message, sendOptions) {
      const watching = trial.open && first === undefined && isRequest(message);
      if (watching) first = idKey((message as { id: JsonRpcId }).id);
      try {
        await transport.send(message, sendOptions);
      } catch (error) {
        if (watching && refusesEra({ error }, assumed)) trial.refuse();
        throw error;
      } finally {
        if (watching) trial.accept();
      }
    },
    close: () => transport.close(),
    // The listen translation acknowledges only once the GET stream is open.
    serverStreamReady: () => transport.serverStreamReady?.() ?? Promise.resolve(),
  };
}
