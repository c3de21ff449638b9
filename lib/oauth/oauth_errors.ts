/**
 * Turns failures of OAuth requests into {@link BridgeError}s with Deno-style messages. oauth4webapi
 * errors carry whole responses (tokens, secrets) in `cause`: only safe fields (`error`, `status`,
 * `code`) are copied and the original error is never attached, logged or serialized. Pure; it
 * recognizes oauth4webapi's errors by name so it need not import the library.
 *
 * @module
 */

import { BridgeError, type ErrorKind } from "../errors.ts";
import { classifyFetchError, describeFetchFailure } from "../fetch_failure.ts";

/** The OAuth `error` code of a failure created by {@link toOAuthBridgeError}, if any. */
export function oauthErrorCode(error: unknown): string | undefined {
  if (!(error instanceof BridgeError)) return undefined;
  const code = error.details?.oauthError;
  return typeof code === "string" ? code : undefined;
}

const SAFE_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

function safeCode(value: unknown): string | undefined {
  return typeof value === "string" && SAFE_CODE.test(value) ? value : undefined;
}

/**
 * Converts anything thrown while doing `action` (e.g. "refresh access token") into a
 * BridgeError. A BridgeError passes through unchanged.
 */
export function toOAuthBridgeError(error: unknown, action: string): BridgeError {
  if (error instanceof BridgeError) return error;
  if (error instanceof DOMException) {
    if (error.name === "TimeoutError") {
      return new BridgeError("timeout", `Cannot ${action}: authorization server timed out`);
    }
    if (error.name === "AbortError") {
      return new BridgeError("interrupted", `Cannot ${action}: interrupted`);
    }
  }
  if (!(error instanceof Error)) {
    return new BridgeError("internal", `Cannot ${action}: unexpected failure`);
  }
  const fields = error as Error & { error?: unknown; status?: unknown; code?: unknown };
  const status = typeof fields.status === "number" ? fields.status : undefined;
  switch (error.name) {
    case "ResponseBodyError":
    case "AuthorizationResponseError": {
      const code = safeCode(fields.error) ?? "unknown_error";
      const transient = code === "temporarily_unavailable" || code === "server_error" ||
        (status !== undefined && status >= 500);
      const kind: ErrorKind = transient ? "unreachable" : "auth_failed";
      return new BridgeError(kind, `Cannot ${action}: authorization server answered "${code}"`, {
        status,
        details: { oauthError: code },
      });
    }
    case "WWWAuthenticateChallengeError":
      return new BridgeError(
        "auth_failed",
        `Cannot ${action}: authorization server answered HTTP ${status ?? "error"}`,
        { status },
      );
    case "OperationProcessingError": {
      const code = safeCode(fields.code);
      const unreachable = code === "OAUTH_RESPONSE_IS_NOT_CONFORM" && status !== undefined &&
        status >= 500;
      return new BridgeError(
        unreachable ? "unreachable" : "auth_failed",
        `Cannot ${action}: ${error.message.replace(/\s+/g, " ").slice(0, 200)}`,
        { status, details: code ? { oauthCode: code } : undefined },
      );
    }
    case "UnsupportedOperationError":
      return new BridgeError("auth_failed", `Cannot ${action}: ${error.message.slice(0, 200)}`);
    case "TypeError":
      if (typeof fields.code === "string" && fields.code.startsWith("ERR_INVALID_ARG")) {
        return new BridgeError("auth_failed", `Cannot ${action}: ${error.message.slice(0, 200)}`);
      }
      return new BridgeError(
        "unreachable",
        `Cannot ${action}: authorization server unreachable: ${
          describeFetchFailure(classifyFetchError(error))
        }`,
      );
    default:
      return new BridgeError("internal", `Cannot ${action}: ${error.name}`);
  }
}
