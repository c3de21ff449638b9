import assert from "node:assert/strict";
import { createLogger, redact, registerSecret, registerSecretValues } from "../lib/log.ts";

Deno.test("registered secrets and credential-looking values are redacted", () => {
  registerSecret("s3cr3t-value-123");
  assert.equal(redact("token s3cr3t-value-123 here"), "token [redacted] here");
  assert.equal(redact("Authorization: Bearer abc.def-ghi"), "Authorization: Bearer [redacted]");
  assert.equal(redact("a=1&code=xyz&state=q"), "a=1&code=[redacted]&state=[redacted]");
  assert.equal(redact('{"refresh_token":"rt-1"}'), '{"refresh_token":"[redacted]"}');
  assert.equal(redact('{"code":-32700}'), '{"code":-32700}', "JSON-RPC codes are not secrets");
});

Deno.test("the logger filters by level and writes redacted lines to its sink", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "INFO", sink: (l) => lines.push(l), scope: "test" });
  log.debug("hidden");
  log.info("Bearer topsecret");
  log.child("sub").error("boom");
  assert.equal(lines.length, 2);
  assert.match(lines[0], /INFO test: Bearer \[redacted\]/);
  assert.match(lines[1], /ERROR sub: boom/);
});

Deno.test("registerSecretValues registers the secret keys' values and no others", () => {
  registerSecretValues({
    MCP_CLIENT_REFRESH_TOKEN: "refresh-value-4711",
    MCP_CLIENT_ID: "public-client-id-4711",
  });
  assert.equal(redact("x refresh-value-4711 y"), "x [redacted] y");
  assert.equal(redact("public-client-id-4711"), "public-client-id-4711");
  assert.equal(redact("MCP_CLIENT_REFRESH_TOKEN=abcdef"), "MCP_CLIENT_REFRESH_TOKEN=[redacted]");
});
