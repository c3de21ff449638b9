import assert from "node:assert/strict";
import { BridgeError, ERROR_TABLE, ExitCode, formatErrorObject } from "../lib/errors.ts";

Deno.test("the bridge's own codes lie outside the JSON-RPC reserved range", () => {
  const standard = new Set([-32700, -32600, -32601, -32602, -32603]);
  for (const [kind, row] of Object.entries(ERROR_TABLE)) {
    if (standard.has(row.rpcCode)) continue;
    assert.ok(row.rpcCode < -32768 || row.rpcCode > -32000, `${kind} uses ${row.rpcCode}`);
  }
  const codes = Object.values(ERROR_TABLE).map((r) => r.rpcCode).filter((c) => !standard.has(c));
  assert.equal(new Set(codes).size, codes.length, "each bridge code is unique");
});

Deno.test("the exit codes are the documented ones", () => {
  assert.deepEqual(ExitCode, {
    ok: 0,
    serverError: 1,
    usage: 2,
    config: 3,
    auth: 4,
    unreachable: 5,
    timeout: 6,
    interrupted: 130,
  });
  assert.equal(ERROR_TABLE.interrupted.exitCode, 130);
  assert.equal(ERROR_TABLE.timeout.exitCode, 6);
  assert.equal(ERROR_TABLE.auth_required.exitCode, 4);
  assert.equal(ERROR_TABLE.unreachable.exitCode, 5);
});

Deno.test("error data names the bridge as the source and carries status and hint", () => {
  const error = new BridgeError("http_error", "Server answered HTTP 502", { status: 502 });
  const object = formatErrorObject(error);
  assert.equal(object.code, -31002);
  assert.deepEqual(object.data, {
    source: "mcp-streamablehttp-client",
    kind: "http_error",
    status: 502,
    hint: ERROR_TABLE.http_error.hint,
  });
});
