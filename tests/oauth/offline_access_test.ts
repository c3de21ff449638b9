import assert from "node:assert/strict";
import { withOfflineAccess } from "../../lib/oauth/scope.ts";

Deno.test("offline_access is asked for only when the authorization server lists it", () => {
  assert.equal(
    withOfflineAccess("mcp:basic", ["mcp:basic", "offline_access"]),
    "mcp:basic offline_access",
  );
  assert.equal(
    withOfflineAccess(undefined, ["offline_access"]),
    "offline_access",
  );
  assert.equal(
    withOfflineAccess("a offline_access", ["offline_access"]),
    "a offline_access",
  );
  assert.equal(
    withOfflineAccess("mcp:basic", ["mcp:basic", "mcp:read"]),
    "mcp:basic",
  );
  assert.equal(withOfflineAccess(undefined, undefined), undefined);
});
