import assert from "node:assert/strict";
import { selectScope, unionScopes } from "../../lib/oauth/scope.ts";

Deno.test("scope: override, then challenge, then scopes_supported, else omitted", () => {
  assert.equal(
    selectScope({ override: "x", challenge: "y", supported: ["z"] }),
    "x",
  );
  assert.equal(selectScope({ challenge: "y  y w", supported: ["z"] }), "y w");
  assert.equal(selectScope({ supported: ["a", "b"] }), "a b");
  assert.equal(selectScope({}), undefined);
  assert.equal(unionScopes("a b", "b c", undefined), "a b c");
  assert.equal(unionScopes(undefined), undefined);
});
