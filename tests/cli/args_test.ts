import assert from "node:assert/strict";
import { parseCommandLine, suggestFlag } from "../../lib/cli/args.ts";
import { BridgeError } from "../../lib/errors.ts";

const usageError = (args: string[], pattern: RegExp) =>
  assert.throws(
    () => parseCommandLine(args),
    (e: unknown) => e instanceof BridgeError && e.kind === "usage" && pattern.test(e.message),
  );

Deno.test("no mode flag means proxy mode", () => {
  assert.deepEqual(parseCommandLine([]).mode, { kind: "proxy" });
  assert.deepEqual(parseCommandLine(["--server-url", "https://x"]).mode, { kind: "proxy" });
});

Deno.test("each mode flag selects its mode", () => {
  assert.deepEqual(parseCommandLine(["-c", "echo hi"]).mode, {
    kind: "call-tool",
    command: "echo hi",
  });
  assert.deepEqual(parseCommandLine(["--raw", "{}"]).mode, { kind: "raw", message: "{}" });
  assert.deepEqual(parseCommandLine(["-t"]).mode, { kind: "token" });
  assert.deepEqual(parseCommandLine(["--reset-auth"]).mode, { kind: "reset-auth" });
  const combined = parseCommandLine(["--reset-auth", "--token"]);
  assert.deepEqual(combined.mode, { kind: "token" });
  assert.equal(combined.resetFirst, true);
});

Deno.test("usage errors: unknown flag with a suggestion, conflicts, stray arguments", () => {
  usageError(["--list-tool"], /Unknown flag/);
  usageError(["--list-tools", "--list-prompts"], /Conflicting modes/);
  usageError(["echo", "hi"], /Unexpected argument/);
  usageError(["--format", "yaml"], /--format/);
  assert.equal(suggestFlag("sever-url"), "server-url");
  assert.equal(suggestFlag("zzzzzzzzzz"), undefined);
});
