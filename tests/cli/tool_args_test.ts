import assert from "node:assert/strict";
import { BridgeError } from "../../lib/errors.ts";
import {
  describeParameters,
  formatUsageLine,
  parseArguments,
  promptArgumentsSchema,
  type SchemaLike,
} from "../../lib/cli/tool_args.ts";
import { splitCommand } from "../../lib/cli/words.ts";

const string = { type: "string" };
const object = (
  properties: Record<string, SchemaLike>,
  required: string[] = [],
): SchemaLike => ({ type: "object", properties, required, additionalProperties: false });

/** Schemas of the tools named in the Python tool's behaviour table, as a real server would list. */
const TOOLS: Record<string, SchemaLike> = {
  fetch: object({ url: { type: "string", format: "uri" } }, ["url"]),
  echo: object({ message: string }, ["message"]),
  tool: object({ key: string, nested: { type: "object" } }),
  mytool: object({ input: string, mode: string }),
  anytool: object({
    key1: string,
    key2: { type: "integer" },
    key3: { type: "number" },
    key4: { type: "boolean" },
    key5: { type: "array", items: { type: "integer" } },
    key6: { type: "number" },
    key7: { type: "number" },
  }),
  anytool_int: object({ key: { type: "integer" } }),
  anytool_str: object({ key: string }),
  get_weather: object({ city: string, units: { type: "string", enum: ["metric", "imperial"] } }, [
    "city",
  ]),
  prefetch_data: object({ url: string }),
  research: object({ query: string, limit: { type: "integer" } }, ["query"]),
  reader: object({ file: string }),
  write_file: object({ path: string, content: string }, ["path", "content"]),
  read_file: object({ path: string }, ["path"]),
  add: object({ a: { type: "number" }, b: { type: "number" } }, ["a", "b"]),
  none: object({}),
  open_ended: { type: "object", properties: { known: string }, additionalProperties: true },
  untyped: object({ value: {} }),
  nullable: object({
    limit: { type: ["integer", "null"] },
    label: { anyOf: [string, { type: "null" }] },
  }),
};

function call(command: string): Record<string, unknown> {
  const { name, rest } = splitCommand(command);
  const schema = TOOLS[name];
  assert.ok(schema, `test schema for ${name}`);
  return parseArguments(rest, schema, { kind: "tool", name });
}

interface Row {
  input: string;
  /** What the Python tool sent, for the record. */
  python: string;
  /** Our arguments, or a RegExp the usage error message must match. */
  expected: Record<string, unknown> | RegExp;
}

// Every row of bridge-anchors (b2) "Observed outputs", with our schema-driven result.
const PYTHON_TABLE: Row[] = [
  {
    input: "fetch https://example.com",
    python: '{"url":"https://example.com"}',
    expected: { url: "https://example.com" },
  },
  {
    input: "fetch https://example.com/?q=1&x=2",
    python: '{"https://example.com/?q":"1&x=2"}',
    expected: { url: "https://example.com/?q=1&x=2" },
  },
  {
    input: "echo hello world",
    python: '{"message":"hello world"}',
    expected: { message: "hello world" },
  },
  {
    input: 'echo "Hello World"',
    python: '{"message":"\\"Hello World\\""}',
    expected: { message: "Hello World" },
  },
  {
    input: "echo message='Hello World'",
    python: `{"message":"'Hello"}`,
    expected: { message: "Hello World" },
  },
  {
    input: 'echo message="hello world"',
    python: '{"message":"\\"hello"}',
    expected: { message: "hello world" },
  },
  {
    input: 'tool {"key":"value","nested":{"foo":"bar"}}',
    python: "parsed JSON object",
    expected: { key: "value", nested: { foo: "bar" } },
  },
  {
    input: "mytool {bad json}",
    python: '{"input":"{bad json}"}',
    expected: /Invalid JSON arguments for tool "mytool"/,
  },
  {
    input: "anytool key1=value1 key2=123 key3=1.5 key4=true key5=[1,2] key6=-3 key7=1e3 stray",
    python: '{…,"key6":"-3","key7":"1e3"} (stray dropped)',
    expected: /Cannot tell which parameter "stray" is for/,
  },
  {
    input: "anytool key1=value1 key2=123 key3=1.5 key4=true key5=[1,2] key6=-3 key7=1e3",
    python: '{…,"key6":"-3","key7":"1e3"}',
    expected: {
      key1: "value1",
      key2: 123,
      key3: 1.5,
      key4: true,
      key5: [1, 2],
      key6: -3,
      key7: 1000,
    },
  },
  { input: "anytool_int key=007", python: '{"key":7}', expected: { key: 7 } },
  { input: "anytool_str key=007", python: '{"key":7}', expected: { key: "007" } },
  { input: "get_weather London", python: '{"input":"London"}', expected: { city: "London" } },
  {
    input: "get_weather New York City",
    python: '{"input":"New York City"}',
    expected: { city: "New York City" },
  },
  {
    input: "get_weather what is the weather today",
    python: '{"query":"what is the weather today"}',
    expected: { city: "what is the weather today" },
  },
  {
    input: "get_weather /etc/hosts",
    python: '{"path":"/etc/hosts"}',
    expected: { city: "/etc/hosts" },
  },
  { input: "prefetch_data abc", python: '{"url":"abc"}', expected: { url: "abc" } },
  { input: "research quantum", python: '{"query":"quantum"}', expected: { query: "quantum" } },
  { input: "reader notes.txt", python: '{"input":"notes.txt"}', expected: { file: "notes.txt" } },
  {
    input: "write_file /tmp/a.txt hello there",
    python: '{"path":"/tmp/a.txt","content":"hello there"}',
    expected:
      /Cannot tell which parameter "\/tmp\/a.txt" is for: tool "write_file" has "path", "content"/,
  },
  {
    input: "write_file path=/tmp/a.txt content='hello there'",
    python: "(not in the table)",
    expected: { path: "/tmp/a.txt", content: "hello there" },
  },
  {
    input: "read_file",
    python: '{"path":"/tmp/test.txt"} (default injected)',
    expected: /Missing required argument for tool "read_file": "path"/,
  },
];

const MORE: Row[] = [
  // quoting
  { input: `echo message="say \\"hi\\""`, python: "", expected: { message: 'say "hi"' } },
  { input: "echo message=it\\'s", python: "", expected: { message: "it's" } },
  { input: "echo it's fine", python: "", expected: { message: "it's fine" } },
  { input: "echo 'a=b'", python: "", expected: { message: "a=b" } },
  { input: "echo message=a=b", python: "", expected: { message: "a=b" } },
  { input: "echo message=", python: "", expected: { message: "" } },
  { input: "echo hello   world", python: "", expected: { message: "hello   world" } },
  { input: "echo message='unterminated", python: "", expected: /Unterminated quote/ },
  // numbers
  { input: "add a=-3 b=2.5e-2", python: "", expected: { a: -3, b: 0.025 } },
  { input: "add a=1E3 b=+4", python: "", expected: { a: 1000, b: 4 } },
  { input: "add a=.5 b=-0.5", python: "", expected: { a: 0.5, b: -0.5 } },
  {
    input: "add a=x b=1",
    python: "",
    expected: /Invalid value for "a" of tool "add": expected number, got "x"/,
  },
  { input: "anytool_int key=1.5", python: "", expected: /expected integer, got "1.5"/ },
  { input: "research quantum limit=-5", python: "", expected: { query: "quantum", limit: -5 } },
  // booleans
  { input: "anytool key4=false", python: "", expected: { key4: false } },
  { input: "anytool key4=TRUE", python: "", expected: { key4: true } },
  { input: "anytool key4=yes", python: "", expected: /expected boolean, got "yes"/ },
  // arrays and objects
  { input: `anytool key5='[1, 2, 3]'`, python: "", expected: { key5: [1, 2, 3] } },
  { input: "anytool key5=1,2", python: "", expected: /expected array/ },
  { input: `tool nested='{"a":[1]}'`, python: "", expected: { nested: { a: [1] } } },
  { input: "tool nested=[1]", python: "", expected: /expected object/ },
  // URLs with '='
  {
    input: "fetch url=https://x.test/?a=1&b=2",
    python: "",
    expected: { url: "https://x.test/?a=1&b=2" },
  },
  {
    input: "fetch 'https://x.test/?a=1 b'",
    python: "",
    expected: { url: "https://x.test/?a=1 b" },
  },
  // unknown keys, missing required, ambiguity
  { input: "echo mesage=hi", python: "", expected: /Unknown argument for tool "echo": "mesage"/ },
  {
    input: "echo message=hi extra=1",
    python: "",
    expected: /Unknown argument for tool "echo": "extra"/,
  },
  {
    input: 'echo {"message":"hi","extra":1}',
    python: "",
    expected: /Unknown argument for tool "echo": "extra"/,
  },
  { input: "add a=1", python: "", expected: /Missing required argument for tool "add": "b"/ },
  { input: "add", python: "", expected: /Missing required arguments for tool "add": "a", "b"/ },
  { input: "add 5", python: "", expected: /Cannot tell which parameter "5" is for/ },
  { input: "echo", python: "", expected: /Missing required argument for tool "echo": "message"/ },
  { input: 'echo {"message":1}', python: "", expected: { message: 1 } },
  { input: "echo [1]", python: "", expected: { message: "[1]" } },
  { input: "echo message=a message=b", python: "", expected: /Argument given twice/ },
  { input: "none", python: "", expected: {} },
  { input: "none x", python: "", expected: /Unexpected argument for tool "none": "x"/ },
  { input: "none {}", python: "", expected: {} },
  // a bare value next to pairs goes to the only required parameter
  {
    input: "get_weather Paris units=metric",
    python: "",
    expected: { city: "Paris", units: "metric" },
  },
  {
    input: "get_weather Paris units=kelvin",
    python: "",
    expected: /Invalid value for "units" of tool "get_weather": "kelvin"/,
  },
  {
    input: "get_weather Paris city=Rome",
    python: "",
    expected: /Unexpected argument for tool "get_weather": "Paris"/,
  },
  // open-ended and untyped schemas
  { input: "open_ended known=a other=5", python: "", expected: { known: "a", other: 5 } },
  { input: "untyped value=[1,2]", python: "", expected: { value: [1, 2] } },
  { input: "untyped value=hello", python: "", expected: { value: "hello" } },
  { input: "untyped 42", python: "", expected: { value: 42 } },
  { input: "nullable limit=null label=null", python: "", expected: { limit: null, label: null } },
  { input: "nullable limit=3 label=3", python: "", expected: { limit: 3, label: "3" } },
];

for (const row of [...PYTHON_TABLE, ...MORE]) {
  Deno.test(`-c ${row.input}`, () => {
    if (row.expected instanceof RegExp) {
      assert.throws(() => call(row.input), (error: unknown) => {
        assert.ok(error instanceof BridgeError, "a BridgeError");
        assert.equal(error.kind, "usage");
        assert.match(error.message, row.expected as RegExp);
        assert.ok(error.hint.length > 0);
        return true;
      });
    } else {
      assert.deepEqual(call(row.input), row.expected);
    }
  });
}

Deno.test("usage errors show how to call the tool", () => {
  assert.throws(() => call("add 5"), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.match(error.hint, /-c 'add a=<number> b=<number>'/);
    return true;
  });
  assert.throws(() => call("echo mesage=hi"), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.match(error.hint, /Did you mean "message"\?/);
    return true;
  });
  assert.throws(() => call("get_weather Paris units=kelvin"), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.equal(error.hint, 'Use one of: "metric", "imperial"');
    return true;
  });
});

Deno.test("prompt arguments are all strings", () => {
  const schema = promptArgumentsSchema([
    { name: "topic", required: true },
    { name: "count", description: "How many" },
  ]);
  const target = { kind: "prompt", name: "greet" } as const;
  assert.deepEqual(parseArguments("topic=cats count=3", schema, target), {
    topic: "cats",
    count: "3",
  });
  assert.deepEqual(parseArguments("dogs", schema, target), { topic: "dogs" });
  assert.throws(
    () => parseArguments("count=3", schema, target),
    /Missing required argument for prompt "greet": "topic"/,
  );
  assert.throws(() => parseArguments("size=3 topic=x", schema, target), (error: unknown) => {
    assert.ok(error instanceof BridgeError);
    assert.match(error.message, /Unknown argument for prompt "greet": "size"/);
    assert.match(error.hint, /--get-prompt 'greet topic=<string> \[count=<string>\]'/);
    return true;
  });
});

Deno.test("describeParameters lists required parameters first with their types", () => {
  const specs = describeParameters(TOOLS.nullable);
  assert.deepEqual(specs.map((s) => [s.name, s.type, s.required]), [
    ["limit", "integer | null", false],
    ["label", "string | null", false],
  ]);
  assert.equal(
    formatUsageLine("research", describeParameters(TOOLS.research)),
    "research query=<string> [limit=<integer>]",
  );
  assert.deepEqual(describeParameters(undefined), []);
});
