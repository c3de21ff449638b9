import assert from "node:assert/strict";
import {
  classifyResponse,
  mentionsLostSession,
  parseMediaType,
} from "../../lib/transport/classify.ts";

const plain = { hadSessionId: false, isInitialize: false };
const withSession = { hadSessionId: true, isInitialize: false };
const initialize = { hadSessionId: false, isInitialize: true };

function h(init: Record<string, string> = {}) {
  return new Headers(init);
}

Deno.test("classify: media types are compared without parameters", () => {
  assert.equal(parseMediaType("Application/JSON; charset=utf-8"), "application/json");
  assert.deepEqual(
    classifyResponse(200, h({ "content-type": "application/json; charset=utf-8" }), plain),
    {
      kind: "ok-json",
    },
  );
  assert.deepEqual(
    classifyResponse(200, h({ "content-type": "text/event-stream;charset=UTF-8" }), plain),
    {
      kind: "ok-sse",
    },
  );
  assert.deepEqual(classifyResponse(200, h({ "content-type": "text/html" }), plain), {
    kind: "bad-content-type",
    status: 200,
    contentType: "text/html",
  });
});

Deno.test("classify: 202 and 204 are accepted", () => {
  assert.equal(classifyResponse(202, h(), plain).kind, "accepted");
  assert.equal(classifyResponse(204, h(), plain).kind, "accepted");
});

Deno.test("classify: 401 carries the Bearer challenge", () => {
  const outcome = classifyResponse(
    401,
    h({
      "www-authenticate":
        'Bearer resource_metadata="https://x/.well-known/oauth-protected-resource"',
    }),
    withSession,
  );
  assert.deepEqual(outcome, {
    kind: "unauthorized",
    challenge: {
      scheme: "bearer",
      params: { resource_metadata: "https://x/.well-known/oauth-protected-resource" },
    },
  });
  assert.deepEqual(classifyResponse(401, h(), initialize), {
    kind: "unauthorized",
    challenge: undefined,
  });
});

Deno.test("classify: 403 is a step-up only with error=insufficient_scope", () => {
  const scoped = classifyResponse(
    403,
    h({ "www-authenticate": 'Bearer error="insufficient_scope", scope="admin"' }),
    plain,
  );
  assert.equal(scoped.kind, "insufficient-scope");
  assert.equal(classifyResponse(403, h(), plain).kind, "forbidden");
  assert.equal(
    classifyResponse(403, h({ "www-authenticate": 'Bearer error="invalid_token"' }), plain).kind,
    "forbidden",
  );
});

Deno.test("classify: 404 with a session id means the session is gone", () => {
  assert.equal(classifyResponse(404, h(), withSession).kind, "session-gone");
  assert.deepEqual(classifyResponse(404, h(), plain), { kind: "http-error", status: 404 });
});

Deno.test("classify: initialize answered 400, 404 or 405 is a legacy signal", () => {
  for (const status of [400, 404, 405]) {
    assert.deepEqual(classifyResponse(status, h(), initialize), { kind: "legacy-signal", status });
  }
  assert.deepEqual(classifyResponse(405, h(), plain), { kind: "http-error", status: 405 });
  assert.equal(classifyResponse(401, h(), initialize).kind, "unauthorized");
  assert.deepEqual(classifyResponse(500, h(), initialize), { kind: "http-error", status: 500 });
});

Deno.test("classify: a 400 that speaks of the session, to a request with one, is a lost session", () => {
  const refused = { ...withSession, sessionRefused: true };
  assert.deepEqual(classifyResponse(400, h(), refused), { kind: "session-gone", status: 400 });
  assert.deepEqual(classifyResponse(400, h(), withSession), { kind: "http-error", status: 400 });
  assert.deepEqual(classifyResponse(400, h(), { ...plain, sessionRefused: true }), {
    kind: "http-error",
    status: 400,
  });
  assert.ok(mentionsLostSession('{"message":"Bad Request: No valid session ID provided"}'));
  assert.ok(mentionsLostSession("Session not found"));
  assert.ok(mentionsLostSession("No transport found for sessionId"));
  assert.ok(!mentionsLostSession("Bad Request: Unsupported protocol version"));
});
