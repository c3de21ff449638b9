import assert from "node:assert/strict";
import { SECRET_KEYS, stripBearerPrefix } from "../lib/secrets.ts";

Deno.test("stripBearerPrefix: removes an optional Bearer prefix in any case and the spaces", () => {
  for (
    const [given, expected] of [
      ["abc.def", "abc.def"],
      ["Bearer abc.def", "abc.def"],
      ["  bearer   abc.def  ", "abc.def"],
      ["BEARER\tabc", "abc"],
      ["Bearerabc", "Bearerabc"],
    ]
  ) {
    assert.equal(stripBearerPrefix(given), expected, given);
  }
});

Deno.test("SECRET_KEYS: the credential keys of the environment and the state file", () => {
  assert.deepEqual([...SECRET_KEYS].sort(), [
    "MCP_CLIENT_ACCESS_TOKEN",
    "MCP_CLIENT_IDP_CLIENT_SECRET",
    "MCP_CLIENT_ID_TOKEN",
    "MCP_CLIENT_PRIVATE_KEY",
    "MCP_CLIENT_REFRESH_TOKEN",
    "MCP_CLIENT_REGISTRATION_TOKEN",
    "MCP_CLIENT_SECRET",
  ]);
  assert.ok(Object.isFrozen(SECRET_KEYS));
});
