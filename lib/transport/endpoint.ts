/**
 * The one place a transport's HTTP request to the MCP server goes out: fetch with the caller's
 * signal, a network failure turned into an `unreachable` BridgeError (an abort stays the
 * signal's reason), and the loop that renews the token after a refusal and sends again as
 * next_action.ts decides. The protocol rules stay with the policy and the transports; it never
 * logs a token.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";
import { fetchFailureError } from "../fetch_failure.ts";
import { type Logger, redactedMessage } from "../log.ts";
import { readBodyText } from "./bounded_read.ts";
import { classifyResponse, mentionsLostSession, type ResponseOutcome } from "./classify.ts";
import { discard } from "./discard.ts";
import type { RequestHeaders } from "./headers.ts";
import { readRpcErrorBody, type RpcErrorBody } from "./inbound.ts";
import { sleep, withDeadline } from "../async.ts";
import { RESTART_RETRY_DELAY_MS, SERVER_RESTART_GRACE_MS } from "../constants.ts";
import { backoffDelay } from "./resumable_stream.ts";
import { type Attempts, decideNextAction, type Exchange, type NextAction } from "./next_action.ts";
import type { AuthChallenge, CredentialProvider } from "./types.ts";

/** Sends one request; rejects with `unreachable` on a network failure. */
export async function requestEndpoint(
  fetcher: typeof fetch,
  url: URL,
  init: { method: "POST" | "GET"; headers: RequestHeaders; body?: string; signal: AbortSignal },
): Promise<Response> {
  try {
    const { method, headers, body, signal } = init;
    return await fetcher(url, { method, headers, body, signal });
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason;
    if (error instanceof BridgeError) throw error; // e.g. a refused redirect
    throw fetchFailureError(error, url);
  }
}

/** What the server refused, as {@link askForRenewal} passes it on. */
export interface Renewal {
  status: 401 | 403;
  challenge?: AuthChallenge;
  rejectedToken?: string;
  /** The refused request belongs to a running session (see {@link AuthRefusal}). */
  sessionEstablished: boolean;
}

/**
 * Asks the credentials for a token after a 401 or a 403 `insufficient_scope`. Credentials that
 * hand back the very token the server refused have nothing better: that ends the retries.
 */
export async function askForRenewal(
  credentials: CredentialProvider,
  log: Logger,
  renewal: Renewal,
): Promise<void> {
  log.info(`Server refused authorization (HTTP ${renewal.status}); asking for a new token`);
  const token = await credentials.handleRefusal(renewal);
  if (renewal.rejectedToken !== undefined && token === renewal.rejectedToken) {
    throw new BridgeError(
      "auth_failed",
      `Server refused the renewed access token: HTTP ${renewal.status}`,
      { status: renewal.status },
    );
  }
}

/** One prepared request: what to send with a given token. */
export interface PreparedRequest {
  method: "POST" | "GET";
  headers: RequestHeaders;
  body?: string;
  signal: AbortSignal;
  /** Names the request in debug lines. */
  label: string;
  /** The POST of an `initialize` (its 400/404/405 may mean HTTP+SSE). */
  isInitialize?: boolean;
}

/** One request with its policy: how to send it and what the policy needs to judge answers. */
export interface DecidedRequest {
  exchange: Exchange;
  /** What was already tried for this message. */
  attempts: Attempts;
  fetch: typeof fetch;
  url: URL;
  /** Builds the request for `token` (called again for each renewal). */
  prepare(token: string | undefined): PreparedRequest;
  /**
   * Before each send, including each one again after a refused connection: a promise of what the
   * request must follow (a session being re-created), or undefined to send now. The request is
   * prepared in the same turn as an undefined answer.
   */
  beforeSend?(): Promise<void> | undefined;
  credentials: CredentialProvider;
  log: Logger;
  /** Whether the refused request belongs to a running session. */
  sessionEstablished(): boolean;
  expectsResponse?: boolean;
  allowReinit?: boolean;
  /**
   * Read the body of a refusal (`fail`, `fall-back`) for a JSON-RPC error, so the server's own
   * code, message and data can reach the client; at most this many bytes.
   */
  readErrorBody?: { maxBytes?: number };
}

/** What {@link sendUntilDecided} ends with: anything but a renewal. */
export interface Decision {
  response: Response;
  outcome: ResponseOutcome;
  action: Exclude<NextAction, { kind: "renew" }>;
  attempts: Attempts;
  /** The JSON-RPC error in the body of a refusal, when asked for and present. */
  rpcError?: RpcErrorBody;
}

/**
 * Sends a request, renewing the token and sending again as {@link decideNextAction} says, until
 * the policy decides anything else. The body is left unread only for `deliver`.
 */
export async function sendUntilDecided(request: DecidedRequest): Promise<Decision> {
  let attempts = request.attempts;
  const started = performance.now();
  let refusals = 0;
  let staleConnectionRetried = false;
  while (true) {
    const offered = request.credentials.accessToken();
    const token = typeof offered === "object" ? await offered : offered;
    const waiting = request.beforeSend?.();
    if (waiting) {
      await waiting;
      continue;
    }
    const prepared = request.prepare(token);
    let response: Response;
    try {
      response = await requestEndpoint(request.fetch, request.url, prepared);
    } catch (error) {
      const running = request.exchange === "post" && request.sessionEstablished();
      // A kept-alive connection that the server closed while idle (it restarted) fails the
      // first request sent on it before any answer: send once more on a fresh connection, as
      // browsers do for a reused connection.
      if (
        running && !staleConnectionRetried && error instanceof BridgeError &&
        error.details?.reason === "closed"
      ) {
        staleConnectionRetried = true;
        request.log.debug(`${prepared.label}: connection closed before any answer; sending again`);
        continue;
      }
      // A running session's server that refuses connections is restarting: send again soon.
      const restarting = request.exchange === "post" && request.sessionEstablished() &&
        error instanceof BridgeError && error.details?.reason === "refused" &&
        performance.now() - started < SERVER_RESTART_GRACE_MS;
      if (!restarting) throw error;
      refusals++;
      request.log.debug(`${prepared.label}: connection refused; sending again (${refusals})`);
      await sleep(backoffDelay(refusals, RESTART_RETRY_DELAY_MS), prepared.signal);
      continue;
    }
    const hadSessionId = Object.hasOwn(prepared.headers, "mcp-session-id");
    const outcome = classifyResponse(response.status, response.headers, {
      hadSessionId,
      isInitialize: prepared.isInitialize ?? false,
      sessionRefused: response.status === 400 && hadSessionId && await refusesSession(response),
    });
    if (request.log.enabled("DEBUG")) {
      request.log.debug(`${prepared.label}: HTTP ${response.status} (${outcome.kind})`);
    }
    const action = decideNextAction(outcome, attempts, {
      exchange: request.exchange,
      status: response.status,
      expectsResponse: request.expectsResponse,
      allowReinit: request.allowReinit,
    });
    if (
      request.readErrorBody && (action.kind === "fail" || action.kind === "fall-back")
    ) {
      const rpcError = await readRpcErrorBody(response, request.readErrorBody.maxBytes);
      return { response, outcome, action, attempts, ...(rpcError ? { rpcError } : {}) };
    }
    if (action.kind !== "deliver") await discard(response);
    if (action.kind !== "renew") return { response, outcome, action, attempts };
    attempts = action.attempts;
    await askForRenewal(request.credentials, request.log, {
      status: action.status,
      challenge: action.challenge,
      rejectedToken: token,
      sessionEstablished: request.sessionEstablished(),
    });
  }
}

/** Bytes of a refusal's body read to see whether it speaks of a lost session. */
const SESSION_REFUSAL_BYTES = 64 * 1024;

/**
 * The body of a refusal, at most 64 KiB, read from a copy so the response itself stays
 * readable; undefined when it is longer or cannot be read.
 */
export async function readRefusalText(response: Response): Promise<string | undefined> {
  try {
    return await readBodyText(response.clone(), { maxBytes: SESSION_REFUSAL_BYTES });
  } catch {
    return undefined;
  }
}

/** Whether a 400 answer's body says the session is unknown. */
async function refusesSession(response: Response): Promise<boolean> {
  const text = await readRefusalText(response);
  return text !== undefined && mentionsLostSession(text);
}

/**
 * Sends a request whose answer does not matter (DELETE on shutdown), giving up after
 * `timeoutMs`. Never throws; resolves with a short description for the debug log.
 */
export async function sendBestEffort(
  fetcher: typeof fetch,
  url: URL,
  options: {
    method: "DELETE";
    timeoutMs: number;
    headers: (signal: AbortSignal) => Promise<RequestHeaders>;
  },
): Promise<string> {
  const controller = new AbortController();
  const { signal } = controller;
  const work = (async () => {
    const headers = await options.headers(signal);
    const response = await fetcher(url, { method: options.method, headers, signal });
    await discard(response);
    return `HTTP ${response.status}`;
  })();
  try {
    return await withDeadline(work, {
      ms: options.timeoutMs,
      onTimeout: () => {
        const error = new DOMException(`${options.method} timed out`, "TimeoutError");
        controller.abort(error);
        return error;
      },
    });
  } catch (error) {
    work.catch(() => {});
    return `failed: ${redactedMessage(error)}`;
  }
}

/** The 2026-07-28 error codes that only a modern server sends (HTTP 400). */
export const MODERN_ERROR_CODES: ReadonlySet<number> = new Set([-32020, -32021, -32022]);

/**
 * Whether the JSON-RPC error in a refusal's body is the answer to pass on: for any refusal the
 * policy would fail with, and for an `initialize` refusal only when it is a modern error (the
 * server speaks 2026-07-28; falling back to HTTP+SSE would hide its answer).
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#earlier-streamable-http-revisions
 */
export function deliversInBand(action: Decision["action"], error: RpcErrorBody): boolean {
  if (action.kind === "fail") return action.error.kind === "http_error";
  if (action.kind === "fall-back") return MODERN_ERROR_CODES.has(error.response.error.code);
  return false;
}
