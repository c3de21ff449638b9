/**
 * The GET stream of a 2025-era session: the long-lived SSE stream on which the server sends
 * requests and notifications of its own. It opens once the client sent
 * `notifications/initialized`, reopens with `Last-Event-ID` whenever it ends, stops for good on
 * HTTP 405 (the server offers no such stream), and asks the session to re-create itself when
 * the server forgot the session. Sending (token renewal, the policy) and the session state stay
 * with session.ts, passed in as functions; this module never logs a token or the session id.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#listening-for-messages-from-the-server
 */

import { type Logger, redactedMessage } from "../log.ts";
import type { DecidedRequest, Decision } from "./endpoint.ts";
import type { InboundRouter } from "./inbound.ts";
import { trackTask } from "./lifecycle.ts";
import { type Attempts, NO_ATTEMPTS } from "./next_action.ts";
import { followStream, type Scheduler, type StreamOpening } from "./resumable_stream.ts";
import type { RequestHeaders } from "./headers.ts";

/** What the GET stream needs from its session. */
export interface ServerStreamOptions {
  /** Sends the GET (renewing the token as the policy says) until the policy decides. */
  decide(attempts: Attempts, prepare: DecidedRequest["prepare"]): Promise<Decision>;
  /** The headers of a GET with `token` and, when resuming, `lastEventId`. */
  headers(token: string | undefined, lastEventId: string | undefined): RequestHeaders;
  /** The session id the next GET carries. */
  sessionId(): string | undefined;
  /** Re-creates the session after a 404 to a GET that carried `staleSessionId`. */
  reinitialize(staleSessionId: string): Promise<void>;
  /** Routes the stream's events. */
  inbound: InboundRouter;
  /** The session's running tasks, so closing the session waits for the stream to stop. */
  tasks: Set<Promise<unknown>>;
  /** Aborts when the session closes. */
  closed: AbortSignal;
  log: Logger;
  scheduler: Scheduler;
  /** Base back-off delay in ms when the server sent no `retry`. */
  reconnectDelayMs: number;
  /** The largest single event accepted. */
  maxMessageBytes: number | undefined;
}

/**
 * The session's GET stream for server-initiated messages: at most one open at a time.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#listening-for-messages-from-the-server
 */
export class ServerStream {
  readonly #options: ServerStreamOptions;
  #wanted = false;
  #controller: AbortController | undefined;
  #ready: Promise<void> | undefined;
  #unsupported = false;

  constructor(options: ServerStreamOptions) {
    this.#options = options;
  }

  /** Whether the server answered the GET stream with 405 (it offers no such stream). */
  get unsupported(): boolean {
    return this.#unsupported;
  }

  /** Resolves once the stream is open, or has stopped, or was never wanted. */
  ready(): Promise<void> {
    return this.#ready ?? Promise.resolve();
  }

  /** Opens the stream from now on (after `notifications/initialized`) unless it is open. */
  want(): void {
    this.#wanted = true;
    this.#start();
  }

  /** Opens the stream again if it was wanted (after the session was re-created). */
  resume(): void {
    if (this.#wanted) this.#start();
  }

  /** Closes the stream (the session is being re-created or closed). */
  stop(): void {
    this.#controller?.abort();
    this.#controller = undefined;
  }

  #start(): void {
    if (this.#options.closed.aborted || this.#controller || this.#unsupported) return;
    const { inbound, log, scheduler, reconnectDelayMs, maxMessageBytes } = this.#options;
    const controller = new AbortController();
    this.#controller = controller;
    const ready = Promise.withResolvers<void>();
    this.#ready = ready.promise;
    const signal = AbortSignal.any([controller.signal, this.#options.closed]);
    const state = { attempts: NO_ATTEMPTS };
    trackTask(
      this.#options.tasks,
      followStream({
        open: (lastEventId) => this.#open(lastEventId, state, signal),
        onOpen: () => {
          state.attempts = NO_ATTEMPTS;
          ready.resolve();
        },
        onEvent: (event) => inbound.routeSseEvent(event.data, event.event),
        signal,
        log,
        scheduler,
        reconnectDelayMs,
        maxEventBytes: maxMessageBytes,
      })
        .catch((error) => {
          if (!signal.aborted) log.warn(`Server stream stopped: ${redactedMessage(error)}`);
        })
        .finally(() => {
          ready.resolve();
          if (this.#controller === controller) this.#controller = undefined;
        }),
    );
  }

  async #open(
    lastEventId: string | undefined,
    state: { attempts: Attempts },
    signal: AbortSignal,
  ): Promise<StreamOpening> {
    const { log } = this.#options;
    let sentSessionId: string | undefined;
    const decision = await this.#options.decide(state.attempts, (token) => {
      sentSessionId = this.#options.sessionId();
      const headers = this.#options.headers(token, lastEventId);
      return { method: "GET", headers, signal, label: "GET stream" };
    });
    state.attempts = decision.attempts;
    const { response, action } = decision;
    switch (action.kind) {
      case "deliver":
        return { kind: "open", body: response.body ?? undefined };
      case "stop":
        this.#unsupported = true;
        log.debug("Server offers no stream for server-initiated messages (HTTP 405)");
        return { kind: "stop" };
      case "reinitialize":
        this.#options.reinitialize(sentSessionId!).catch((error) => {
          if (!this.#options.closed.aborted) {
            log.warn(`Cannot re-create the session: ${redactedMessage(error)}`);
          }
        });
        return { kind: "stop" };
      case "fail":
        throw action.error;
      default:
        return { kind: "retry", status: response.status };
    }
  }
}
