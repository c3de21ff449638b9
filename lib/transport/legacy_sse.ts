/**
 * The 2024-11-05 HTTP+SSE transport, for servers that predate Streamable HTTP: one long GET
 * stream whose first event, `endpoint`, names the URL to POST messages to (it must have the
 * same origin as the stream, or the bearer token could leak elsewhere); every server message,
 * responses included, arrives as a `message` event on that stream. No sessions headers, no
 * resumption: when the stream ends, requests still waiting fail. It writes nothing anywhere and
 * never logs a token.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 */

import { BridgeError } from "../errors.ts";
import { isRequest, type JsonRpcMessage, type JsonRpcResponse } from "../jsonrpc/message.ts";
import { type Logger, redactedMessage } from "../log.ts";
import { classifyResponse } from "./classify.ts";
import { discard } from "./discard.ts";
import { endpointPathHint } from "./endpoint_hint.ts";
import { buildRequestHeaders } from "./headers.ts";
import { InboundRouter, type PendingRequest } from "./inbound.ts";
import { NO_ATTEMPTS } from "./next_action.ts";
import { sendUntilDecided } from "./endpoint.ts";
import { readSseEvents, type SseRecord } from "./sse.ts";
import { abortable } from "../async.ts";
import type { CredentialProvider, SendOptions, Transport, TransportOptions } from "./types.ts";

/** Resolves an `endpoint` event's data against the stream URL; throws unless same-origin. */
export function resolveLegacyEndpoint(data: string, streamUrl: URL): URL {
  let endpoint: URL;
  try {
    endpoint = new URL(data.trim(), streamUrl);
  } catch {
    throw new BridgeError("protocol", "Server announced an invalid message endpoint");
  }
  if (endpoint.origin !== streamUrl.origin) {
    throw new BridgeError(
      "protocol",
      `Server announced a message endpoint on another origin: "${endpoint.origin}"`,
      { hint: "Refusing to send credentials to another origin; check the server URL" },
    );
  }
  return endpoint;
}

/** A 2024-11-05 HTTP+SSE connection. Create it with {@link createLegacySseTransport}. */
export class LegacySseTransport implements Transport {
  readonly #url: URL;
  readonly #extraHeaders: ReadonlyArray<readonly [string, string]>;
  readonly #credentials: CredentialProvider;
  readonly #inbound: InboundRouter;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;

  #protocolVersion: string | undefined;
  #connecting: Promise<URL> | undefined;
  #broken: BridgeError | undefined;
  #closer = new AbortController();
  #closed = false;
  #streamTask: Promise<void> | undefined;

  constructor(options: TransportOptions) {
    this.#url = options.url;
    this.#extraHeaders = options.headers;
    this.#credentials = options.credentials;
    this.#inbound = new InboundRouter({
      onMessage: options.onMessage,
      log: options.log,
      onResponse: (pending, response) => this.#onResponse(pending, response),
    });
    this.#fetch = options.fetch;
    this.#log = options.log;
  }

  /** The protocol version from the initialize result, once known. */
  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }

  /** Sends one message; for a request, resolves once its response was passed to onMessage. */
  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.#closed) throw this.#closedError();
    const signal = options.signal
      ? AbortSignal.any([options.signal, this.#closer.signal])
      : this.#closer.signal;
    const endpoint = await abortable(this.#connect(), signal);
    if (this.#broken) throw this.#broken;
    let pending: PendingRequest | undefined;
    if (isRequest(message)) {
      pending = this.#inbound.track(message.id, { isInitialize: message.method === "initialize" });
    }
    try {
      await this.#post(endpoint, options.raw ?? JSON.stringify(message), signal);
      if (pending) await abortable(pending.answered, signal);
    } catch (error) {
      if (pending) this.#inbound.abandon(pending, error);
      throw signal.aborted ? signal.reason : error;
    }
  }

  #onResponse(pending: PendingRequest, response: JsonRpcResponse): void {
    if (!pending.isInitialize || !("result" in response)) return;
    const version = response.result.protocolVersion;
    if (typeof version === "string") this.#protocolVersion = version;
  }

  /** Ends the stream; there is no session to delete in this transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closer.abort(this.#closedError());
    await this.#connecting?.catch(() => {});
    await this.#streamTask;
  }

  #closedError(): BridgeError {
    return new BridgeError("session_lost", "Connection to the server was closed", {
      hint: "The bridge is shutting down",
    });
  }

  async #fetchWithAuth(
    url: URL,
    init: { method: "GET" | "POST"; body?: string },
    signal: AbortSignal,
  ): Promise<Response> {
    const { response, action } = await sendUntilDecided({
      exchange: "legacy",
      attempts: NO_ATTEMPTS,
      fetch: this.#fetch,
      url,
      prepare: (token) => ({
        ...init,
        headers: buildRequestHeaders({
          method: init.method === "POST" ? "post" : "get",
          extra: this.#extraHeaders,
          token,
        }),
        signal,
        label: `${init.method} (HTTP+SSE)`,
      }),
      credentials: this.#credentials,
      log: this.#log,
      sessionEstablished: () => this.#protocolVersion !== undefined,
    });
    if (action.kind === "deliver") return response;
    throw action.kind === "fail" ? action.error : new BridgeError(
      "http_error",
      `Server refused the request: HTTP ${response.status}`,
      { status: response.status },
    );
  }

  #connect(): Promise<URL> {
    this.#connecting ??= this.#openStream().catch((error) => {
      this.#connecting = undefined; // a later send may try again
      throw error;
    });
    return this.#connecting;
  }

  async #openStream(): Promise<URL> {
    const signal = this.#closer.signal;
    const response = await this.#fetchWithAuth(this.#url, { method: "GET" }, signal);
    const outcome = classifyResponse(response.status, response.headers, {
      hadSessionId: false,
      isInitialize: false,
    });
    if (outcome.kind !== "ok-sse" || !response.body) {
      await discard(response);
      if (response.ok) {
        throw new BridgeError(
          "protocol",
          "Server did not answer the HTTP+SSE stream request with text/event-stream",
          { status: response.status },
        );
      }
      throw new BridgeError(
        "http_error",
        `Server refused the HTTP+SSE stream: HTTP ${response.status}`,
        {
          status: response.status,
          ...(response.status === 404 ? { hint: endpointPathHint(this.#url) } : {}),
        },
      );
    }
    const records = readSseEvents(response.body);
    let endpoint: URL | undefined;
    try {
      while (!endpoint) {
        const next = await records.next();
        if (next.done) {
          throw new BridgeError(
            "protocol",
            "Server closed the HTTP+SSE stream before announcing its message endpoint",
          );
        }
        const record: SseRecord = next.value;
        if (record.type === "event" && record.event === "endpoint") {
          endpoint = resolveLegacyEndpoint(record.data, this.#url);
        } else if (record.type === "event") {
          await this.#inbound.routeSseEvent(record.data, record.event);
        }
      }
    } catch (error) {
      await records.return(undefined);
      if (signal.aborted) throw signal.reason;
      throw error;
    }
    this.#streamTask = this.#readStream(records, signal);
    return endpoint;
  }

  async #readStream(
    records: AsyncGenerator<SseRecord, void, undefined>,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      for await (const record of records) {
        if (record.type === "event") await this.#inbound.routeSseEvent(record.data, record.event);
      }
    } catch (error) {
      if (!signal.aborted) {
        this.#log.debug(`HTTP+SSE stream interrupted: ${redactedMessage(error)}`);
      }
    }
    const broken = signal.aborted
      ? this.#closedError()
      : new BridgeError("stream_lost", "Server closed the HTTP+SSE stream", {
        hint: "The older HTTP+SSE transport cannot resume; restart the client",
      });
    this.#broken = broken;
    if (!signal.aborted) this.#log.warn(broken.message);
    this.#inbound.failAll(broken);
  }

  async #post(endpoint: URL, body: string, signal: AbortSignal): Promise<void> {
    const response = await this.#fetchWithAuth(endpoint, { method: "POST", body }, signal);
    await discard(response);
    if (!response.ok) {
      throw new BridgeError(
        "http_error",
        `Server refused the message: HTTP ${response.status}`,
        { status: response.status },
      );
    }
  }
}

/** Creates a 2024-11-05 HTTP+SSE transport; the stream opens on the first send. */
export function createLegacySseTransport(options: TransportOptions): LegacySseTransport {
  return new LegacySseTransport(options);
}
