/**
 * The pure policy that says what a transport does next with a classified HTTP answer: read it,
 * renew the token and send again, step up the scope, re-create the session, fall back to the
 * older transport, stop, retry later, or fail with a typed error. It counts attempts so every
 * retry is bounded (a scope step-up by the credentials, which count the sign-ins), and replaces the retry flags the request loops used to carry. No I/O, no
 * state: the caller keeps the {@link Attempts} and acts on the answer (classify, then act).
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-challenge-handling
 */

import { BridgeError } from "../errors.ts";
import type { ResponseOutcome } from "./classify.ts";
import type { AuthChallenge } from "./types.ts";

/** What was already tried for one message. */
export interface Attempts {
  /** Token renewals after a 401. */
  readonly renewals: number;
  /** Scope step-ups after a 403 `insufficient_scope`. */
  readonly stepUps: number;
  /** Session re-creations after a 404. */
  readonly reinitializations: number;
}

/** Nothing tried yet. */
export const NO_ATTEMPTS: Attempts = Object.freeze({
  renewals: 0,
  stepUps: 0,
  reinitializations: 0,
});

/**
 * Which exchange the answer belongs to: a POST of a message, a GET that resumes a POST's
 * stream, the long-lived GET stream, or a request of the 2024-11-05 HTTP+SSE transport (whose
 * caller judges everything but authorization itself).
 */
export type Exchange = "post" | "resume" | "get-stream" | "legacy";

/** What the policy needs besides the outcome. */
export interface NextActionContext {
  exchange: Exchange;
  /** The HTTP status of the answer. */
  status: number;
  /** The message sent was a request, so a response must come back. */
  expectsResponse?: boolean;
  /** A 404 may re-create the session (never while re-creating it). */
  allowReinit?: boolean;
}

/** What to do next. */
export type NextAction =
  /** Read the answer (JSON, SSE, or nothing for 202). */
  | { kind: "deliver" }
  /** Ask the credentials for a new token (401) or more scope (403), then send again. */
  | {
    kind: "renew";
    status: 401 | 403;
    challenge?: AuthChallenge;
    attempts: Attempts;
  }
  /** Re-create the session, then send again. */
  | { kind: "reinitialize"; attempts: Attempts }
  /** The server may only speak the 2024-11-05 HTTP+SSE transport. */
  | { kind: "fall-back"; status: number }
  /** The server offers no GET stream (405): stop asking. */
  | { kind: "stop" }
  /** A transient refusal of the GET stream: back off, then open it again. */
  | { kind: "retry-later" }
  /** Give up with this error. */
  | { kind: "fail"; error: BridgeError };

function renewOrFail(
  outcome: ResponseOutcome & { kind: "unauthorized" | "insufficient-scope" },
  attempts: Attempts,
): NextAction {
  if (outcome.kind === "unauthorized") {
    if (attempts.renewals >= 1) {
      return {
        kind: "fail",
        error: new BridgeError("auth_failed", "Server refused the renewed access token: HTTP 401", {
          status: 401,
        }),
      };
    }
    return {
      kind: "renew",
      status: 401,
      challenge: outcome.challenge,
      attempts: { ...attempts, renewals: attempts.renewals + 1 },
    };
  }
  // Step-ups are counted in one place, the credential provider, which knows the sign-ins they
  // cost and refuses past its limit; the caller stops when no new token comes back.
  return {
    kind: "renew",
    status: 403,
    challenge: outcome.challenge,
    attempts: { ...attempts, stepUps: attempts.stepUps + 1 },
  };
}

function httpError(outcome: ResponseOutcome, status: number): BridgeError {
  if (outcome.kind === "forbidden") {
    return new BridgeError("http_error", "Server refused the request: HTTP 403", {
      status: 403,
      hint: "The server denied access (not a missing scope); check its Origin and access rules",
    });
  }
  return new BridgeError("http_error", `Server answered with an HTTP error: ${status}`, { status });
}

function forPost(
  outcome: ResponseOutcome,
  attempts: Attempts,
  context: NextActionContext,
): NextAction {
  switch (outcome.kind) {
    case "ok-json":
    case "ok-sse":
      return { kind: "deliver" };
    case "accepted":
      if (!context.expectsResponse) return { kind: "deliver" };
      return {
        kind: "fail",
        error: new BridgeError(
          "protocol",
          "Server answered a request with 202 Accepted instead of a response",
          { status: context.status },
        ),
      };
    case "bad-content-type":
      if (!context.expectsResponse) return { kind: "deliver" };
      return {
        kind: "fail",
        error: new BridgeError(
          "protocol",
          `Server answered with an unexpected content type: "${outcome.contentType}"`,
          { status: context.status },
        ),
      };
    case "unauthorized":
    case "insufficient-scope":
      return renewOrFail(outcome, attempts);
    case "session-gone":
      if (!context.allowReinit || attempts.reinitializations >= 1) {
        return {
          kind: "fail",
          error: new BridgeError(
            "session_lost",
            `Server does not know the session: HTTP ${outcome.status}`,
            { status: outcome.status },
          ),
        };
      }
      return {
        kind: "reinitialize",
        attempts: { ...attempts, reinitializations: attempts.reinitializations + 1 },
      };
    case "legacy-signal":
      return { kind: "fall-back", status: outcome.status };
    case "forbidden":
    case "http-error":
      return { kind: "fail", error: httpError(outcome, context.status) };
  }
}

/**
 * Decides what to do with a classified answer, given what was already tried for the message.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#listening-for-messages-from-the-server
 */
export function decideNextAction(
  outcome: ResponseOutcome,
  attempts: Attempts,
  context: NextActionContext,
): NextAction {
  switch (context.exchange) {
    case "post":
      return forPost(outcome, attempts, context);
    case "legacy":
      if (outcome.kind === "unauthorized" || outcome.kind === "insufficient-scope") {
        return renewOrFail(outcome, attempts);
      }
      return { kind: "deliver" };
    case "resume":
      if (outcome.kind === "ok-sse") return { kind: "deliver" };
      if (outcome.kind === "unauthorized" && attempts.renewals < 1) {
        return renewOrFail(outcome, attempts);
      }
      return {
        kind: "fail",
        error: new BridgeError(
          "stream_lost",
          `Cannot resume the response stream: server answered HTTP ${context.status}`,
          { status: context.status },
        ),
      };
    case "get-stream":
      switch (outcome.kind) {
        case "ok-sse":
          return { kind: "deliver" };
        case "unauthorized":
          return renewOrFail(outcome, attempts);
        case "session-gone":
          return { kind: "reinitialize", attempts };
        case "http-error":
          return context.status === 405 ? { kind: "stop" } : { kind: "retry-later" };
        default:
          return { kind: "retry-later" };
      }
  }
}
