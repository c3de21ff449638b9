import assert from "node:assert/strict";
import { formatLine, LineSplitter, parseLine } from "../../lib/jsonrpc/framing.ts";

Deno.test("LineSplitter joins lines split across chunks and strips CRLF", () => {
  const splitter = new LineSplitter();
  assert.deepEqual(splitter.push('{"a":'), []);
  assert.deepEqual(splitter.push('1}\r\n{"b":2}\n{"c"'), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(splitter.push(":3}\n"), ['{"c":3}']);
  assert.equal(splitter.flush(), undefined);
  splitter.push("tail");
  assert.equal(splitter.flush(), "tail");
});

Deno.test("parseLine answers malformed JSON with -32700 and a null id", () => {
  const parsed = parseLine("{not json");
  assert.equal(parsed.kind, "invalid");
  if (parsed.kind !== "invalid") return;
  assert.equal(parsed.response.id, null);
  assert.equal(parsed.response.error.code, -32700);
});

Deno.test("parseLine answers JSON that is not JSON-RPC with -32600 keeping the id", () => {
  for (
    const [line, id] of [
      ['{"jsonrpc":"1.0","id":7,"method":"x"}', 7],
      ['{"jsonrpc":"2.0","id":"a"}', "a"],
      ["42", null],
      ['{"jsonrpc":"2.0","id":1,"method":""}', 1],
    ] as const
  ) {
    const parsed = parseLine(line);
    assert.equal(parsed.kind, "invalid", line);
    if (parsed.kind !== "invalid") continue;
    assert.equal(parsed.response.error.code, -32600, line);
    assert.equal(parsed.response.id, id, line);
  }
});

Deno.test("parseLine keeps the raw text and every unknown member", () => {
  const line =
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"x":1}},"extra":true}';
  const parsed = parseLine(line);
  assert.equal(parsed.kind, "message");
  if (parsed.kind !== "message") return;
  assert.equal(parsed.raw, line);
  assert.deepEqual((parsed.message as unknown as Record<string, unknown>).extra, true);
});

Deno.test("parseLine splits a batch and reports its invalid members", () => {
  const parsed = parseLine(
    '[{"jsonrpc":"2.0","id":1,"method":"a"},{"id":2},{"jsonrpc":"2.0","method":"n"}]',
  );
  assert.equal(parsed.kind, "batch");
  if (parsed.kind !== "batch") return;
  assert.equal(parsed.messages.length, 2);
  assert.equal(parsed.errors.length, 1);
  assert.equal(parsed.errors[0].error.code, -32600);
  assert.equal(parseLine("[]").kind, "invalid");
  assert.equal(parseLine("   ").kind, "empty");
});

Deno.test("formatLine keeps single-line text byte for byte and re-serializes multi-line text", () => {
  const raw = '{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"x",  "data":{}}}';
  assert.equal(formatLine(JSON.parse(raw), raw), raw);
  const pretty = '{\n  "jsonrpc": "2.0",\n  "id": 1,\n  "result": {}\n}';
  const line = formatLine(JSON.parse(pretty), pretty);
  assert.equal(line, '{"jsonrpc":"2.0","id":1,"result":{}}');
  assert.ok(!line.includes("\n"));
});

Deno.test("parseLine accepts an error response with a null id, and nothing else with one", () => {
  const error = '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid"}}';
  assert.equal(parseLine(error).kind, "message");
  for (
    const line of [
      '{"jsonrpc":"2.0","id":null,"result":{}}',
      '{"jsonrpc":"2.0","id":null,"method":"x"}',
    ]
  ) {
    assert.equal(parseLine(line).kind, "invalid", line);
  }
});
