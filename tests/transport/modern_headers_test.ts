import assert from "node:assert/strict";
import {
  encodeHeaderValue,
  headerText,
  paramHeaders,
  scanToolHeaders,
  standardHeaders,
} from "../../lib/transport/modern_headers.ts";
import { ToolHeaderCache } from "../../lib/transport/tool_header_cache.ts";

Deno.test("modern headers: value encoding, as the spec's table", () => {
  const table: Array<[string, string]> = [
    ["us-west1", "us-west1"],
    ["Hello World", "Hello World"],
    ["\ttab inside", "=?base64?CXRhYiBpbnNpZGU=?="],
    ["Zürich", "=?base64?WsO8cmljaA==?="],
    [" padded ", "=?base64?IHBhZGRlZCA=?="],
    ["line1\nline2", "=?base64?bGluZTEKbGluZTI=?="],
    ["", "=?base64??="],
    ["=?base64?abc?=", "=?base64?PT9iYXNlNjQ/YWJjPz0=?="],
    ["日本語", "=?base64?5pel5pys6Kqe?="],
  ];
  for (const [value, expected] of table) {
    assert.equal(encodeHeaderValue(value), expected, value);
  }
  assert.equal(headerText(42), "42");
  assert.equal(headerText(true), "true");
  assert.equal(headerText(false), "false");
  assert.equal(headerText(2 ** 60), undefined);
  assert.equal(headerText({}), undefined);
});

Deno.test("modern headers: standard headers from the body", () => {
  const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28" };
  assert.deepEqual(
    standardHeaders({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", _meta: meta },
    }),
    [["MCP-Protocol-Version", "2026-07-28"], ["Mcp-Method", "tools/call"], [
      "Mcp-Name",
      "echo",
    ]],
  );
  assert.deepEqual(
    standardHeaders({
      jsonrpc: "2.0",
      id: 2,
      method: "resources/read",
      params: {
        uri: "file:///ü.txt",
        _meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
      },
    }),
    [
      ["MCP-Protocol-Version", "2099-01-01"],
      ["Mcp-Method", "resources/read"],
      ["Mcp-Name", encodeHeaderValue("file:///ü.txt")],
    ],
  );
  assert.deepEqual(
    standardHeaders(
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
      "2026-07-28",
    ),
    [["MCP-Protocol-Version", "2026-07-28"], ["Mcp-Method", "tools/list"]],
  );
  assert.deepEqual(
    standardHeaders({
      jsonrpc: "2.0",
      id: 4,
      method: "tasks/get",
      params: { taskId: "t-1" },
    }),
    [["Mcp-Method", "tasks/get"], ["Mcp-Name", "t-1"]],
  );
});

Deno.test("modern headers: x-mcp-header arguments, null and absent ones omitted", () => {
  const scan = scanToolHeaders({
    type: "object",
    properties: {
      region: { type: "string", "x-mcp-header": "Region" },
      priority: { type: "integer", "x-mcp-header": "Priority" },
      verbose: { type: "boolean", "x-mcp-header": "Verbose" },
      nested: {
        type: "object",
        properties: { zone: { type: "string", "x-mcp-header": "Zone" } },
      },
      query: { type: "string" },
    },
  });
  assert.ok(scan.valid);
  assert.deepEqual(
    paramHeaders(scan.declarations, {
      region: "eu",
      priority: 3,
      verbose: null,
      nested: { zone: "a b" },
      query: "x",
    }),
    [["Mcp-Param-Region", "eu"], ["Mcp-Param-Priority", "3"], [
      "Mcp-Param-Zone",
      "a b",
    ]],
  );
});

Deno.test("modern headers: invalid annotations make the tool invalid", () => {
  const property = (schema: Record<string, unknown>) => ({
    type: "object",
    properties: { p: schema },
  });
  const invalid: Array<[string, unknown]> = [
    ["empty", property({ type: "string", "x-mcp-header": "" })],
    ["object", property({ type: "object", "x-mcp-header": "Data" })],
    [
      "array",
      property({
        type: "array",
        items: { type: "string" },
        "x-mcp-header": "Items",
      }),
    ],
    ["null", property({ type: "null", "x-mcp-header": "Nil" })],
    ["number", property({ type: "number", "x-mcp-header": "Score" })],
    ["untyped", property({ "x-mcp-header": "Any" })],
    ["space", property({ type: "string", "x-mcp-header": "My Region" })],
    ["colon", property({ type: "string", "x-mcp-header": "Region:Primary" })],
    ["non-ASCII", property({ type: "string", "x-mcp-header": "Région" })],
    ["control", property({ type: "string", "x-mcp-header": "Region\t1" })],
    ["CR LF", property({ type: "string", "x-mcp-header": "A\r\nB" })],
    ["duplicate", {
      type: "object",
      properties: {
        a: { type: "string", "x-mcp-header": "MyField" },
        b: { type: "string", "x-mcp-header": "myfield" },
      },
    }],
    ["under items", {
      type: "object",
      properties: {
        list: {
          type: "array",
          items: { type: "string", "x-mcp-header": "Item" },
        },
      },
    }],
    ["under anyOf", {
      type: "object",
      properties: { v: { anyOf: [{ type: "string", "x-mcp-header": "V" }] } },
    }],
    ["on the root", { type: "object", "x-mcp-header": "Root" }],
  ];
  for (const [name, schema] of invalid) {
    assert.equal(scanToolHeaders(schema).valid, false, name);
  }
});

Deno.test("tool header cache: invalid tools are removed from the page, valid ones learnt", () => {
  const cache = new ToolHeaderCache();
  const page = {
    tools: [
      {
        name: "ok",
        inputSchema: {
          type: "object",
          properties: { r: { type: "string", "x-mcp-header": "R" } },
        },
      },
      {
        name: "bad",
        inputSchema: {
          type: "object",
          properties: { s: { type: "number", "x-mcp-header": "S" } },
        },
      },
      { name: "plain", inputSchema: { type: "object" } },
    ],
    nextCursor: "2",
  };
  const { result, dropped } = cache.learn(page);
  assert.deepEqual(
    (result.tools as Array<{ name: string }>).map((t) => t.name),
    ["ok", "plain"],
  );
  assert.equal(result.nextCursor, "2");
  assert.deepEqual(dropped.map((d) => d.name), ["bad"]);
  assert.deepEqual(cache.get("ok"), [{ path: ["r"], name: "R" }]);
  assert.deepEqual(cache.get("plain"), []);
  assert.deepEqual(cache.get("bad"), []);
  assert.equal(cache.get("unknown"), undefined);
  const clean = { tools: [{ name: "plain", inputSchema: { type: "object" } }] };
  assert.equal(
    cache.learn(clean).result,
    clean,
    "an untouched page is the same object",
  );
});
