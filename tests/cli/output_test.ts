import assert from "node:assert/strict";
import { wantsJson } from "../../lib/cli/args.ts";
import {
  createOutput,
  formatErrorDocument,
  formatFailureDocument,
  formatFailureLines,
  formatSuccessDocument,
} from "../../lib/cli/output.ts";
import type { ProcessIo } from "../../lib/process_io.ts";
import { BridgeError } from "../../lib/errors.ts";
import { registerSecret } from "../../lib/log.ts";

Deno.test("success and failure documents share one shape", () => {
  assert.deepEqual(JSON.parse(formatSuccessDocument({ tools: [] })), {
    ok: true,
    result: { tools: [] },
  });
  const error = new BridgeError("server_error", 'Tool "fail" reported an error', {
    status: 500,
    details: { code: -32000 },
  });
  assert.deepEqual(JSON.parse(formatFailureDocument(error)), {
    ok: false,
    error: {
      kind: "server_error",
      message: 'Tool "fail" reported an error',
      hint: error.hint,
      status: 500,
      details: { code: -32000 },
    },
  });
  const withResult = JSON.parse(formatFailureDocument(error, { isError: true }));
  assert.deepEqual(withResult.result, { isError: true });
  assert.deepEqual(withResult.error, formatErrorDocument(error));
  assert.ok(formatSuccessDocument(1).endsWith("}\n"));
});

Deno.test("documents and failure lines are redacted", () => {
  registerSecret("output-test-secret-value");
  const error = new BridgeError("auth_failed", "Token output-test-secret-value refused", {
    hint: "Bearer abcdef123456 was sent",
  });
  const text = formatFailureDocument(error, { token: "output-test-secret-value" }) +
    formatFailureLines(error).join("\n");
  assert.ok(!text.includes("output-test-secret-value"), text);
  assert.ok(!text.includes("abcdef123456"), text);
  assert.deepEqual(formatFailureLines(new BridgeError("usage", "Bad", { hint: "Fix it" })), [
    "Error: Bad",
    "Hint: Fix it",
  ]);
});

function captureIo() {
  const chunks: Uint8Array[] = [];
  const stderr: string[] = [];
  const io: ProcessIo = {
    stdin: new ReadableStream(),
    stdout: new WritableStream({ write: (chunk) => void chunks.push(chunk) }),
    stderr: (line) => stderr.push(line),
    stdoutIsTerminal: false,
    stderrIsTerminal: false,
    signal: new AbortController().signal,
  };
  const stdout = () => chunks.map((c) => new TextDecoder().decode(c)).join("");
  return { io, stdout, stderr };
}

Deno.test("an output prints human text or exactly one document", async () => {
  const human = captureIo();
  const text = createOutput(human.io, { json: false });
  await text.say("one", "two");
  await text.print(() => "human\n", { x: 1 });
  await text.result({ ignored: true });
  assert.equal(await text.fail(new BridgeError("usage", "Bad", { hint: "Fix" })), 2);
  assert.equal(human.stdout(), "one\ntwo\nhuman\n");
  assert.deepEqual(human.stderr, ["Error: Bad", "Hint: Fix"]);

  const json = captureIo();
  const machine = createOutput(json.io, { json: true });
  await machine.say("not shown");
  await machine.print(() => "not shown", { x: 1 });
  assert.equal(json.stdout(), '{"ok":true,"result":{"x":1}}\n');
});

Deno.test("--json is found word by word, never inside a flag's value", () => {
  const cases: Array<[string[], boolean]> = [
    [["--json"], true],
    [["--list-tools", "--format", "json"], true],
    [["--format=json"], true],
    [["--format", "text"], false],
    [["-c", "echo --format json"], false],
    [["-c", "echo --json"], false],
    [["-c", "--json"], false],
    [["-c", "--format json", "--list-tools"], false],
    [["--raw", '{"method":"x"}', "--json"], true],
    [["-vc", "--json"], false],
    [["-H", "X: --json"], false],
    [["--header=--json"], false],
    [["--", "--json"], false],
  ];
  for (const [args, expected] of cases) assert.equal(wantsJson(args), expected, args.join(" "));
});
