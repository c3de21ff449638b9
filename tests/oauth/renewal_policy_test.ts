import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import {
  coversScope,
  decideRenewal,
  decideStepUp,
  type RenewalInputs,
  type StepUpInputs,
} from "../../lib/oauth/renewal_policy.ts";

const NOW = 1_000_000;
const TUNABLES = { freshTokenMs: 10_000, refreshRetryDelayMs: 5_000, signInRetryDelayMs: 30_000 };
const later = (ms: number) => new Date(NOW + ms);
const failure = (at: number) => ({ error: new BridgeError("unreachable", "down"), at });

/** A refused token with a refresh token stored; each row changes what matters to it. */
const BASE: RenewalInputs = {
  reason: "refused",
  rejected: "old",
  allowSignIn: true,
  stored: { accessToken: "old", refreshToken: "r", expiresAt: later(3_600_000), scope: "a" },
  now: NOW,
  refreshMarginMs: 60_000,
  refreshGivenUp: false,
  interactive: true,
  tunables: TUNABLES,
};

/** [name, changes to BASE, expected decision kind (and reused token or error text)] */
const ROWS: ReadonlyArray<readonly [string, Partial<RenewalInputs>, string]> = [
  ["refused: another process stored a new token", {
    stored: { ...BASE.stored, accessToken: "new" },
  }, "reuse:new"],
  ["refused: the stored token is the refused one", {}, "refresh"],
  ["refused: the new stored token has expired", {
    stored: { ...BASE.stored, accessToken: "new", expiresAt: later(-1) },
  }, "refresh"],
  ["expiring: still outside the margin", {
    reason: "expiring",
    rejected: "other",
    stored: { ...BASE.stored, accessToken: "cur", expiresAt: later(120_000) },
  }, "reuse:cur"],
  ["expiring: inside the margin", {
    reason: "expiring",
    rejected: "other",
    stored: { ...BASE.stored, accessToken: "cur", expiresAt: later(30_000) },
  }, "refresh"],
  ["forced: never reuses", {
    reason: "forced",
    rejected: undefined,
    stored: { ...BASE.stored, accessToken: "cur" },
  }, "refresh"],
  ["step-up: a stored token that covers the scope", {
    reason: "step-up",
    scope: "a b",
    stored: { ...BASE.stored, accessToken: "wide", scope: "a b c" },
  }, "reuse:wide"],
  ["step-up: never refreshes", { reason: "step-up", scope: "a b" }, "sign-in"],
  ["narrower than --scope: no reuse, no refresh", {
    requestedScope: "a b",
    stored: { ...BASE.stored, accessToken: "new" },
  }, "sign-in"],
  ["a refresh that was given up", { refreshGivenUp: true }, "sign-in"],
  ["refused moments after a refresh: not refreshed again", {
    origin: { at: NOW - 1_000, how: "refresh" },
  }, "sign-in"],
  ["refused long after a refresh: refreshed", {
    origin: { at: NOW - 20_000, how: "refresh" },
  }, "refresh"],
  ["refused moments after a sign-in: the server rejects its own tokens", {
    origin: { at: NOW - 1_000, how: "sign-in" },
  }, "fail:Server refused a newly issued access token"],
  ["a recent transient refresh failure fails fast", {
    refreshFailure: failure(NOW - 1_000),
  }, "fail:down"],
  ["an old refresh failure is retried", { refreshFailure: failure(NOW - 6_000) }, "refresh"],
  ["no refresh token, client credentials configured", {
    stored: { accessToken: "old" },
    machineGrant: "client-credentials",
  }, "machine-grant:client-credentials"],
  ["no refresh token, cross-app access configured", {
    stored: { accessToken: "old" },
    machineGrant: "cross-app",
  }, "machine-grant:cross-app"],
  ["no refresh token, nobody present", {
    stored: {},
    rejected: undefined,
    interactive: false,
    absence: "CI is set",
  }, "fail:nobody is present to sign in (CI is set)"],
  ["no refresh token, this request may not sign in", {
    stored: {},
    allowSignIn: false,
  }, "fail:Sign-in is needed"],
  ["a recent failed sign-in is not reopened", {
    stored: {},
    signInFailure: failure(NOW - 10_000),
  }, "fail:down"],
  ["an old failed sign-in is tried again", {
    stored: {},
    signInFailure: failure(NOW - 40_000),
  }, "sign-in"],
];

function describe(inputs: RenewalInputs): string {
  const decision = decideRenewal(inputs);
  switch (decision.kind) {
    case "reuse":
      return `reuse:${decision.token}`;
    case "machine-grant":
      return `machine-grant:${decision.grant}`;
    case "fail":
      return `fail:${decision.error.message}`;
    default:
      return decision.kind;
  }
}

for (const [name, changes, expected] of ROWS) {
  Deno.test(`renewal policy: ${name}`, () => {
    const actual = describe({ ...BASE, ...changes });
    if (expected.startsWith("fail:")) assert.ok(actual.includes(expected.slice(5)), actual);
    else assert.equal(actual, expected);
  });
}

Deno.test("renewal policy: scope coverage", () => {
  assert.ok(coversScope("a b c", "b a"));
  assert.ok(coversScope("a", undefined));
  assert.ok(!coversScope("a", "a b"));
  assert.ok(!coversScope(undefined, "a"));
});

const STEP_UP: StepUpInputs = {
  challengeError: "insufficient_scope",
  challengeScope: "b",
  depth: 0,
  maxSignIns: 3,
  baseScope: "a",
};

/** [name, changes, expected: "step-up:<scope>@<depth>" or "fail:<message part>"] */
const STEP_UP_ROWS: ReadonlyArray<readonly [string, Partial<StepUpInputs>, string]> = [
  ["first step-up asks for the union", {}, "step-up:a b@0"],
  ["the challenged scope already held", { challengeScope: "a" }, "step-up:a@0"],
  ["no base scope", { baseScope: undefined }, "step-up:b@0"],
  ["the last allowed sign-in", { depth: 2 }, "step-up:a b@2"],
  ["the limit reached", { depth: 3 }, "fail:after 3 sign-ins"],
  ["a 403 that is not insufficient_scope", { challengeError: "invalid_token" }, "fail:HTTP 403"],
  ["a 403 without a challenge", { challengeError: undefined }, "fail:HTTP 403"],
];

for (const [name, changes, expected] of STEP_UP_ROWS) {
  Deno.test(`step-up policy: ${name}`, () => {
    const decision = decideStepUp({ ...STEP_UP, ...changes });
    if (decision.kind === "fail") {
      assert.ok(expected.startsWith("fail:"), decision.error.message);
      assert.ok(decision.error.message.includes(expected.slice(5)), decision.error.message);
      assert.equal(decision.error.status, 403);
    } else {
      assert.equal(`step-up:${decision.scope}@${decision.depth}`, expected);
    }
  });
}
