import assert from "node:assert/strict";
import { expandVariables, parseHeader } from "../../lib/config/setting_values.ts";

Deno.test("header values: an unset ${VAR} and a malformed or managed header are refused", () => {
  assert.throws(() => expandVariables("${MISSING}", {}), /MISSING/);
  assert.throws(() => parseHeader("no colon", {}), /Invalid header/);
  assert.throws(() => parseHeader("Mcp-Session-Id: x", {}), /managed by the bridge/);
});
