/**
 * The renewal decision of the OAuth manager as a pure function: given why a token is wanted,
 * what is stored, how the refused token was obtained, the recent failures, the grant configured
 * and whether anyone is present, say what to do next: reuse a token (another process renewed
 * it while this one waited for the lock), refresh, run the configured machine grant (client
 * credentials or cross-app access), sign in with the user, or fail (fast, while a recent failure
 * is still fresh: the caller waits out the retry delay instead of retrying). The clock and the
 * tunables are inputs, so every row is tested as a table. The manager does the I/O, joins a
 * renewal already in flight in this process before asking, and asks again after a refresh it had
 * to give up on (`refreshGivenUp`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-challenge-handling
 * @module
 */

import { PROGRAM_NAME } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { splitScope, unionScopes } from "./scope.ts";
import type { GrantKind } from "./types.ts";

/** Why a token is wanted. */
export type RenewReason = "expiring" | "refused" | "forced" | "step-up";

/** The tunables the decision uses, in ms (defaults in constants.ts). */
export interface RenewalTunables {
  /** A token refused within this long of being obtained is not renewed the same way again. */
  freshTokenMs: number;
  /** After a transient refresh failure, fail fast for this long. */
  refreshRetryDelayMs: number;
  /** After a failed sign-in, fail fast for this long instead of opening it again. */
  signInRetryDelayMs: number;
}

/** A failure remembered with the time it happened. */
export interface RememberedFailure {
  error: BridgeError;
  at: number;
}

/** Everything {@link decideRenewal} decides from. */
export interface RenewalInputs {
  reason: RenewReason;
  /** The token that was refused or is expiring, if any. */
  rejected?: string;
  /** Whether this request may start a sign-in with the user. */
  allowSignIn: boolean;
  /** The scope a step-up needs. */
  scope?: string;
  /** What the state file holds now. */
  stored: {
    accessToken?: string;
    refreshToken?: string;
    expiresAt?: Date;
    scope?: string;
  };
  now: number;
  /** The proactive refresh margin for the stored token, in ms. */
  refreshMarginMs: number;
  /** How the rejected token was obtained in this process, if it was. */
  origin?: { at: number; how: GrantKind };
  /** `--scope`: a stored grant narrower than this is not reused or refreshed. */
  requestedScope?: string;
  /** A refresh was tried in this renewal and given up (its grant is gone). */
  refreshGivenUp: boolean;
  refreshFailure?: RememberedFailure;
  signInFailure?: RememberedFailure;
  /** The machine grant configured, if any: no user needed. */
  machineGrant?: "client-credentials" | "cross-app";
  /** Someone is present to sign in; `absence` says why not. */
  interactive: boolean;
  absence?: string;
  tunables: RenewalTunables;
}

/** What to do next. */
export type RenewalDecision =
  /** Use this token: it is valid, and not the one refused. */
  | { kind: "reuse"; token: string }
  /** Exchange the stored refresh token. */
  | { kind: "refresh" }
  /** Obtain a token with the configured machine grant. */
  | { kind: "machine-grant"; grant: "client-credentials" | "cross-app" }
  /** Sign in with the user (browser, device code). */
  | { kind: "sign-in" }
  /** Give up with this error. */
  | { kind: "fail"; error: BridgeError };

/** Whether `granted` includes every scope of `required`. */
export function coversScope(granted: string | undefined, required: string | undefined): boolean {
  const have = new Set(splitScope(granted));
  return splitScope(required).every((scope) => have.has(scope));
}

/** Whether the stored grant records a scope narrower than `requested`. */
export function isNarrowerThan(
  stored: RenewalInputs["stored"],
  requested: string | undefined,
): boolean {
  return requested !== undefined && stored.accessToken !== undefined &&
    stored.scope !== undefined && !coversScope(stored.scope, requested);
}

function signInNeeded(): BridgeError {
  return new BridgeError(
    "auth_required",
    "Sign-in is needed: the server requires authorization and no valid token is stored",
    { hint: `Run \`${PROGRAM_NAME} --token\` to sign in` },
  );
}

/** A sign-in is needed but nobody can complete one here (CI, no terminal, no display). */
function nobodyPresent(absence: string | undefined): BridgeError {
  return new BridgeError(
    "auth_required",
    `Cannot sign in: the server requires authorization, no valid token is stored, and nobody is present to sign in${
      absence ? ` (${absence})` : ""
    }`,
    {
      hint:
        `Run \`${PROGRAM_NAME} --token\` on a machine with a browser (the token is stored per ` +
        "server), or set MCP_CLIENT_ACCESS_TOKEN, or use --client-credentials with MCP_CLIENT_ID " +
        "and MCP_CLIENT_SECRET",
    },
  );
}

function reusable(inputs: RenewalInputs, narrow: boolean): string | undefined {
  const { stored, now, reason } = inputs;
  const current = stored.accessToken;
  if (!current || current === inputs.rejected || narrow) return undefined;
  const expiresAt = stored.expiresAt?.getTime();
  if (expiresAt !== undefined && expiresAt <= now) return undefined;
  switch (reason) {
    case "expiring":
      return expiresAt === undefined || expiresAt - inputs.refreshMarginMs > now
        ? current
        : undefined;
    case "refused":
      return current;
    case "step-up":
      return coversScope(stored.scope, inputs.scope) ? current : undefined;
    case "forced":
      return undefined;
  }
}

function recent(failure: RememberedFailure | undefined, now: number, windowMs: number): boolean {
  return failure !== undefined && now - failure.at < windowMs;
}

/** Decides what the manager does next to obtain a token. Pure. */
export function decideRenewal(inputs: RenewalInputs): RenewalDecision {
  const { now, origin, reason, tunables } = inputs;
  const narrow = isNarrowerThan(inputs.stored, inputs.requestedScope);
  const token = reusable(inputs, narrow);
  if (token) return { kind: "reuse", token };

  const fresh = origin !== undefined && now - origin.at < tunables.freshTokenMs;
  if (reason === "refused" && fresh && origin.how === "sign-in") {
    return {
      kind: "fail",
      error: new BridgeError(
        "auth_failed",
        "Server refused a newly issued access token: HTTP 401",
        {
          hint:
            "The server does not accept its authorization server's tokens; contact its operator",
        },
      ),
    };
  }
  // A refresh cannot widen the scope (RFC 6749 §6), nor step up; a token refreshed moments ago
  // and refused already is not refreshed again.
  const mayRefresh = inputs.stored.refreshToken !== undefined && !inputs.refreshGivenUp &&
    reason !== "step-up" && !narrow && !(reason === "refused" && fresh && origin.how === "refresh");
  if (mayRefresh) {
    if (recent(inputs.refreshFailure, now, tunables.refreshRetryDelayMs)) {
      return { kind: "fail", error: inputs.refreshFailure!.error };
    }
    return { kind: "refresh" };
  }
  if (inputs.machineGrant) return { kind: "machine-grant", grant: inputs.machineGrant };
  if (!inputs.interactive) return { kind: "fail", error: nobodyPresent(inputs.absence) };
  if (!inputs.allowSignIn) return { kind: "fail", error: signInNeeded() };
  if (recent(inputs.signInFailure, now, tunables.signInRetryDelayMs)) {
    return { kind: "fail", error: inputs.signInFailure!.error };
  }
  return { kind: "sign-in" };
}

/** What a 403 `insufficient_scope` leads to: another sign-in for this scope, or giving up. */
export type StepUpDecision =
  | { kind: "step-up"; scope: string | undefined; depth: number }
  | { kind: "fail"; error: BridgeError };

/** Everything {@link decideStepUp} decides from. */
export interface StepUpInputs {
  /** The challenge's `error` parameter: only `insufficient_scope` asks for a step-up. */
  challengeError?: string;
  /** The scope the challenge asks for. */
  challengeScope?: string;
  /** Sign-ins already spent on this escalation (the refused token's depth). */
  depth: number;
  /** At most this many sign-ins per escalation (MCP conformance `auth/scope-retry-limit`). */
  maxSignIns: number;
  /** `--scope`, else the stored grant's scope: what the new sign-in keeps asking for. */
  baseScope?: string;
}

/**
 * Decides a 403: step up to the union of the current and the challenged scope, unless this
 * escalation already spent its sign-ins. This is the one place step-ups are counted; the
 * transports only stop when no new token comes back.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-challenge-handling
 */
export function decideStepUp(inputs: StepUpInputs): StepUpDecision {
  if (inputs.challengeError !== "insufficient_scope") {
    return {
      kind: "fail",
      error: new BridgeError("auth_failed", "Server refused the request: HTTP 403", {
        status: 403,
        hint: "The signed-in account lacks permission for this request",
      }),
    };
  }
  if (inputs.depth >= inputs.maxSignIns) {
    return {
      kind: "fail",
      error: new BridgeError(
        "auth_failed",
        `Cannot obtain the required scope: server still answered "insufficient_scope" after ${inputs.maxSignIns} sign-ins`,
        {
          status: 403,
          hint: "The account may not be allowed this scope; check with the server's operator",
        },
      ),
    };
  }
  return {
    kind: "step-up",
    scope: unionScopes(inputs.baseScope, inputs.challengeScope),
    depth: inputs.depth,
  };
}
