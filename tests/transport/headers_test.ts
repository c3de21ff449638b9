import assert from "node:assert/strict";
import { buildRequestHeaders } from "../../lib/transport/headers.ts";

Deno.test("headers: a POST negotiates JSON or SSE and carries the bearer and extra headers, same-named extras joined", () => {
  const headers = buildRequestHeaders({
    method: "post",
    extra: [["X-Api-Key", "k"], ["Accept", "text/plain"], ["x-api-key", "k2"]],
    token: "tok",
  });
  assert.deepEqual(headers, {
    "accept": "application/json, text/event-stream",
    "authorization": "Bearer tok",
    "content-type": "application/json",
    "x-api-key": "k, k2",
  });
});

Deno.test("headers: a GET asks for SSE and resumes after Last-Event-ID", () => {
  const headers = buildRequestHeaders({ method: "get", lastEventId: "e-7", sessionId: "s1" });
  assert.equal(headers["accept"], "text/event-stream");
  assert.equal(headers["last-event-id"], "e-7");
  assert.equal(headers["mcp-session-id"], "s1");
  assert.equal(headers["content-type"], undefined);
});

Deno.test("headers: DELETE has no Accept; no token means no Authorization", () => {
  const headers = buildRequestHeaders({ method: "delete", sessionId: "s1" });
  assert.deepEqual(headers, { "mcp-session-id": "s1" });
});

Deno.test("headers: MCP-Protocol-Version only from 2025-06-18 on", () => {
  const table: Array<[string | undefined, string | null]> = [
    [undefined, null],
    ["2024-11-05", null],
    ["2025-03-26", null],
    ["2025-06-18", "2025-06-18"],
    ["2025-11-25", "2025-11-25"],
  ];
  for (const [version, expected] of table) {
    const headers = buildRequestHeaders({ method: "post", protocolVersion: version });
    assert.equal(headers["mcp-protocol-version"], expected ?? undefined, String(version));
  }
});
