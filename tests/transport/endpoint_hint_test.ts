import assert from "node:assert/strict";
import {
  endpointPathHint,
  noEndpointError,
  refusedPostHint,
} from "../../lib/transport/endpoint_hint.ts";

Deno.test("a URL without the MCP path gets the /mcp hint", () => {
  assert.equal(
    endpointPathHint(new URL("http://127.0.0.1:3000/")),
    'MCP endpoints usually end in /mcp: try "http://127.0.0.1:3000/mcp"',
  );
  assert.equal(
    endpointPathHint(new URL("https://h/api/")),
    'MCP endpoints usually end in /mcp: try "https://h/api/mcp"',
  );
  assert.equal(
    endpointPathHint(new URL("https://h/v1/mcp")),
    'Check the path of the server URL: "/v1/mcp" is not an MCP endpoint there',
  );
  assert.match(refusedPostHint(new URL("https://h/"), 405), /try --transport sse/);
  assert.match(refusedPostHint(new URL("https://h/"), 404), /usually end in \/mcp/);
});

Deno.test("the no-endpoint error says what was tried", () => {
  const error = noEndpointError(new URL("http://127.0.0.1:3000/"), [
    { request: "POST", status: 404 },
    { request: "SSE GET", status: 404 },
  ]);
  assert.equal(error.kind, "http_error");
  assert.equal(
    error.message,
    'No MCP endpoint at "http://127.0.0.1:3000/": POST answered HTTP 404, SSE GET answered HTTP 404',
  );
  assert.equal(error.status, 404);
  assert.match(error.hint, /try "http:\/\/127.0.0.1:3000\/mcp"/);
  const other = noEndpointError(new URL("https://h/mcp"), [
    { request: "POST", status: 405 },
    { request: "SSE GET", status: 405 },
  ]);
  assert.match(other.hint, /neither Streamable HTTP nor HTTP\+SSE/);
});
