import assert from "node:assert/strict";
import { toOAuthBridgeError } from "../../lib/oauth/oauth_errors.ts";

Deno.test("oauth4webapi errors become safe BridgeErrors without their cause", () => {
  const body = Object.assign(
    new Error("server responded with an error in the response body"),
    {
      name: "ResponseBodyError",
      error: "invalid_grant",
      status: 400,
      cause: { refresh_token: "secret-value" },
    },
  );
  const converted = toOAuthBridgeError(body, "refresh access token");
  assert.equal(
    converted.message,
    'Cannot refresh access token: authorization server answered "invalid_grant"',
  );
  assert.equal(converted.cause, undefined);
  assert.equal(converted.details?.oauthError, "invalid_grant");
  assert.ok(
    !JSON.stringify({ ...converted, message: converted.message }).includes(
      "secret-value",
    ),
  );
  const transient = toOAuthBridgeError(
    Object.assign(new Error("x"), {
      name: "ResponseBodyError",
      error: "temporarily_unavailable",
      status: 503,
    }),
    "refresh access token",
  );
  assert.equal(transient.kind, "unreachable");
  assert.equal(
    toOAuthBridgeError(new TypeError("fetch failed"), "x").kind,
    "unreachable",
  );
});
