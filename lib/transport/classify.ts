/**
 * Turns the status and headers of an answer from a Streamable HTTP server into one of a few
 * outcomes the session acts on (classify, then act). Pure: it reads no body, does no I/O and
 * keeps no state; the session decides what each outcome means for the message it sent.
 *
 * @module
 */

import type { AuthChallenge } from "./types.ts";
import { findChallenge, parseWwwAuthenticate } from "./www_authenticate.ts";

/** What an HTTP answer means to the session. */
export type ResponseOutcome =
  /** 2xx with `application/json`: the body holds one message (or, under 2025-03-26, an array). */
  | { kind: "ok-json" }
  /** 2xx with `text/event-stream`: messages follow as SSE events. */
  | { kind: "ok-sse" }
  /** 202 (or 204): accepted, no body. */
  | { kind: "accepted" }
  /** 2xx with another or no media type. */
  | { kind: "bad-content-type"; status: number; contentType: string }
  /** 401: the token is missing, expired or refused. */
  | { kind: "unauthorized"; challenge?: AuthChallenge }
  /** 403 whose Bearer challenge says `error="insufficient_scope"`: step-up authorization. */
  | { kind: "insufficient-scope"; challenge: AuthChallenge }
  /** Any other 403 (bad Origin, a plain refusal); not an authorization trigger. */
  | { kind: "forbidden"; challenge?: AuthChallenge }
  /**
   * 404 to a request that carried a session id: the server forgot the session. Also a 400 that
   * says so ("No valid session ID"), as server-everything and FastMCP answer a forgotten one.
   */
  | { kind: "session-gone"; status: 400 | 404 }
  /** `initialize` answered 400, 404 or 405: the server may speak the 2024-11-05 HTTP+SSE transport. */
  | { kind: "legacy-signal"; status: number }
  /** Any other status. */
  | { kind: "http-error"; status: number };

/** What the session knew about the request it classifies the answer to. */
export interface ClassifyContext {
  /** The request carried an `Mcp-Session-Id` header. */
  hadSessionId: boolean;
  /** The request was the POST of an `initialize` request. */
  isInitialize: boolean;
  /** A 400's body speaks of the session (see {@link mentionsLostSession}). */
  sessionRefused?: boolean;
}

/**
 * Whether a 400's body says the session is not known: "Bad Request: No valid session ID
 * provided" (server-everything, FastMCP), "Session not found", "invalid session", "No transport
 * found for sessionId" (the TypeScript SDK's examples) and the like.
 */
export function mentionsLostSession(text: string): boolean {
  return (/\bsession\b/i.test(text) &&
    /no valid|not found|unknown|invalid|expired|missing|terminated/i.test(text)) ||
    /no transport found for session/i.test(text);
}

/** The media type of a `Content-Type` value, lower-cased and without parameters. */
export function parseMediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0].trim().toLowerCase();
}

/** The Bearer challenge of a response's `WWW-Authenticate` header, if it has one. */
export function readBearerChallenge(headers: Headers): AuthChallenge | undefined {
  return findChallenge(parseWwwAuthenticate(headers.get("www-authenticate")), "bearer");
}

/**
 * Classifies an HTTP answer from the MCP endpoint.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 */
export function classifyResponse(
  status: number,
  headers: Headers,
  context: ClassifyContext,
): ResponseOutcome {
  if (status === 202 || status === 204) return { kind: "accepted" };
  if (status >= 200 && status < 300) {
    const mediaType = parseMediaType(headers.get("content-type"));
    if (mediaType === "application/json") return { kind: "ok-json" };
    if (mediaType === "text/event-stream") return { kind: "ok-sse" };
    return { kind: "bad-content-type", status, contentType: mediaType };
  }
  if (status === 401) return { kind: "unauthorized", challenge: readBearerChallenge(headers) };
  if (status === 403) {
    const challenge = readBearerChallenge(headers);
    if (challenge?.params.error === "insufficient_scope") {
      return { kind: "insufficient-scope", challenge };
    }
    return { kind: "forbidden", challenge };
  }
  if (status === 404 && context.hadSessionId) return { kind: "session-gone", status: 404 };
  if (status === 400 && context.hadSessionId && context.sessionRefused) {
    return { kind: "session-gone", status: 400 };
  }
  if (context.isInitialize && (status === 400 || status === 404 || status === 405)) {
    return { kind: "legacy-signal", status };
  }
  return { kind: "http-error", status };
}
