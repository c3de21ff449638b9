import assert from "node:assert/strict";
import { MAX_SCOPE_STEP_UPS } from "../../lib/constants.ts";
import type { ResponseOutcome } from "../../lib/transport/classify.ts";
import {
  type Attempts,
  decideNextAction,
  type NextActionContext,
  NO_ATTEMPTS,
} from "../../lib/transport/next_action.ts";

const challenge = { scheme: "bearer", params: { scope: "a b", error: "insufficient_scope" } };
const post: NextActionContext = {
  exchange: "post",
  status: 200,
  expectsResponse: true,
  allowReinit: true,
};

function kindOf(outcome: ResponseOutcome, attempts: Attempts, context: NextActionContext) {
  const action = decideNextAction(outcome, attempts, context);
  return action.kind === "fail" ? `fail:${action.error.kind}` : action.kind;
}

Deno.test("next action: the POST table", () => {
  const table: Array<[ResponseOutcome, Partial<NextActionContext>, Attempts, string]> = [
    [{ kind: "ok-json" }, {}, NO_ATTEMPTS, "deliver"],
    [{ kind: "ok-sse" }, {}, NO_ATTEMPTS, "deliver"],
    [{ kind: "accepted" }, { expectsResponse: false }, NO_ATTEMPTS, "deliver"],
    [{ kind: "accepted" }, { status: 202 }, NO_ATTEMPTS, "fail:protocol"],
    [
      { kind: "bad-content-type", status: 200, contentType: "text/html" },
      {},
      NO_ATTEMPTS,
      "fail:protocol",
    ],
    [
      { kind: "bad-content-type", status: 200, contentType: "" },
      { expectsResponse: false },
      NO_ATTEMPTS,
      "deliver",
    ],
    [{ kind: "unauthorized" }, { status: 401 }, NO_ATTEMPTS, "renew"],
    [
      { kind: "unauthorized" },
      { status: 401 },
      { ...NO_ATTEMPTS, renewals: 1 },
      "fail:auth_failed",
    ],
    [{ kind: "insufficient-scope", challenge }, { status: 403 }, NO_ATTEMPTS, "renew"],
    // The step-up limit is the credentials' (they count sign-ins), not the policy's.
    [
      { kind: "insufficient-scope", challenge },
      { status: 403 },
      { ...NO_ATTEMPTS, stepUps: MAX_SCOPE_STEP_UPS },
      "renew",
    ],
    [{ kind: "forbidden" }, { status: 403 }, NO_ATTEMPTS, "fail:http_error"],
    [{ kind: "session-gone", status: 404 }, { status: 404 }, NO_ATTEMPTS, "reinitialize"],
    [
      { kind: "session-gone", status: 404 },
      { status: 404 },
      { ...NO_ATTEMPTS, reinitializations: 1 },
      "fail:session_lost",
    ],
    [
      { kind: "session-gone", status: 404 },
      { status: 404, allowReinit: false },
      NO_ATTEMPTS,
      "fail:session_lost",
    ],
    [{ kind: "legacy-signal", status: 405 }, { status: 405 }, NO_ATTEMPTS, "fall-back"],
    [{ kind: "http-error", status: 500 }, { status: 500 }, NO_ATTEMPTS, "fail:http_error"],
  ];
  for (const [outcome, context, attempts, expected] of table) {
    assert.equal(
      kindOf(outcome, attempts, { ...post, ...context }),
      expected,
      JSON.stringify([outcome, context, attempts]),
    );
  }
});

Deno.test("next action: a renewal counts the attempt and carries the challenge", () => {
  const action = decideNextAction({ kind: "insufficient-scope", challenge }, NO_ATTEMPTS, {
    ...post,
    status: 403,
  });
  assert.deepEqual(action, {
    kind: "renew",
    status: 403,
    challenge,
    attempts: { renewals: 0, stepUps: 1, reinitializations: 0 },
  });
});

Deno.test("next action: resuming a stream and following the GET stream", () => {
  const resume: NextActionContext = { exchange: "resume", status: 200 };
  assert.equal(kindOf({ kind: "ok-sse" }, NO_ATTEMPTS, resume), "deliver");
  assert.equal(kindOf({ kind: "unauthorized" }, NO_ATTEMPTS, { ...resume, status: 401 }), "renew");
  assert.equal(
    kindOf({ kind: "unauthorized" }, { ...NO_ATTEMPTS, renewals: 1 }, { ...resume, status: 401 }),
    "fail:stream_lost",
  );
  assert.equal(
    kindOf({ kind: "http-error", status: 400 }, NO_ATTEMPTS, { ...resume, status: 400 }),
    "fail:stream_lost",
  );

  const get: NextActionContext = { exchange: "get-stream", status: 200 };
  assert.equal(kindOf({ kind: "ok-sse" }, NO_ATTEMPTS, get), "deliver");
  assert.equal(
    kindOf({ kind: "http-error", status: 405 }, NO_ATTEMPTS, { ...get, status: 405 }),
    "stop",
  );
  assert.equal(
    kindOf({ kind: "http-error", status: 503 }, NO_ATTEMPTS, { ...get, status: 503 }),
    "retry-later",
  );
  assert.equal(kindOf({ kind: "ok-json" }, NO_ATTEMPTS, get), "retry-later");
  assert.equal(
    kindOf({ kind: "session-gone", status: 404 }, NO_ATTEMPTS, { ...get, status: 404 }),
    "reinitialize",
  );
  assert.equal(
    kindOf({ kind: "unauthorized" }, { ...NO_ATTEMPTS, renewals: 1 }, { ...get, status: 401 }),
    "fail:auth_failed",
  );
});

Deno.test("next action: the HTTP+SSE transport only asks the policy about authorization", () => {
  const legacy: NextActionContext = { exchange: "legacy", status: 200 };
  assert.equal(kindOf({ kind: "http-error", status: 500 }, NO_ATTEMPTS, legacy), "deliver");
  assert.equal(kindOf({ kind: "unauthorized" }, NO_ATTEMPTS, legacy), "renew");
  const action = decideNextAction(
    { kind: "insufficient-scope", challenge },
    { ...NO_ATTEMPTS, stepUps: MAX_SCOPE_STEP_UPS },
    legacy,
  );
  assert.equal(action.kind, "renew");
});
