import assert from "node:assert/strict";
import {
  formatTokenChanges,
  formatTokenPrefix,
  isExpiring,
  readStoredAuth,
} from "../../lib/oauth/token_state.ts";

Deno.test("token state: absolute expiry, rotation and refresh margin", () => {
  const changes = formatTokenChanges(
    { access_token: "at", refresh_token: "rt2", expires_in: 60 },
    { now: Date.UTC(2030, 0, 1), requestedScope: "s", isRefresh: true },
  );
  assert.deepEqual(changes, {
    MCP_CLIENT_ACCESS_TOKEN: "at",
    MCP_CLIENT_TOKEN_EXPIRES_AT: "2030-01-01T00:01:00.000Z",
    MCP_CLIENT_SCOPE_GRANTED: "s",
    MCP_CLIENT_REFRESH_TOKEN: "rt2",
  });
  // A refresh answer without refresh_token keeps the old one; a new grant removes it.
  assert.ok(
    !("MCP_CLIENT_REFRESH_TOKEN" in formatTokenChanges(
      { access_token: "a" },
      { now: 0, isRefresh: true },
    )),
  );
  assert.equal(
    formatTokenChanges({ access_token: "a" }, { now: 0, isRefresh: false })
      .MCP_CLIENT_REFRESH_TOKEN,
    undefined,
  );
  const stored = readStoredAuth({
    MCP_CLIENT_ACCESS_TOKEN: "Bearer abc",
    MCP_CLIENT_TOKEN_EXPIRES_AT: "2030-01-01T00:01:00.000Z",
    MCP_CLIENT_AUTH_METHOD: "bogus",
  });
  assert.equal(stored.accessToken, "abc");
  assert.equal(stored.authMethod, undefined);
  assert.equal(isExpiring(stored, Date.UTC(2030, 0, 1), 59_000), false);
  assert.equal(isExpiring(stored, Date.UTC(2030, 0, 1), 60_000), true);
  assert.equal(formatTokenPrefix("abcdefghijklmnopqrstuvwxyz"), "abcdef…");
});
