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

const usageHint = (args: string[], message: RegExp, hint: string) =>
  assert.throws(
    () => parseCommandLine(args),
    (e: unknown) =>
      e instanceof BridgeError && e.kind === "usage" && message.test(e.message) && e.hint === hint,
  );

Deno.test("a bare URL is the server URL; help is the help", () => {
  const parsed = parseCommandLine(["https://host.example/mcp", "--list-tools"]);
  assert.equal(parsed.flags["server-url"], "https://host.example/mcp");
  assert.deepEqual(parsed.mode, { kind: "list-tools" });
  assert.equal(
    parseCommandLine(["--server-url", "https://a/mcp", "https://a/mcp"]).flags["server-url"],
    "https://a/mcp",
  );
  usageError(["https://a/mcp", "--server-url", "https://b/mcp"], /Two server URLs/);
  usageError(["https://a/mcp", "http://b/mcp"], /More than one server URL/);
  assert.deepEqual(parseCommandLine(["help"]).mode, { kind: "help" });
  assert.deepEqual(parseCommandLine(["help", "auth"]).mode, { kind: "help", topic: "auth" });
  assert.deepEqual(parseCommandLine(["--help-all"]).mode, { kind: "help", topic: "all" });
});

Deno.test("a stray word gets a hint that fits it", () => {
  usageHint(
    ["-c", "echo", "message=hi"],
    /Unexpected argument: "message=hi"/,
    "Quote the whole call as one argument: -c 'echo message=hi'",
  );
  usageHint(
    ["--get-prompt", "greet", "name=Ada"],
    /"name=Ada"/,
    "Quote the whole call as one argument: --get-prompt 'greet name=Ada'",
  );
  usageHint(["list-tools"], /"list-tools"/, 'Flags start with two dashes: "--list-tools"');
  usageHint(["-list-tools"], /Unknown flag: "-l"/, "Run with --help to see the accepted flags");
  usageHint(
    ["localhost:3000/mcp"],
    /"localhost:3000\/mcp"/,
    'Give the server URL with its scheme: "http://localhost:3000/mcp"',
  );
  usageHint(
    ["mcp.example.com/mcp"],
    /"mcp.example.com\/mcp"/,
    'Give the server URL with its scheme: "https://mcp.example.com/mcp"',
  );
  usageHint(
    ["message=hi"],
    /"message=hi"/,
    "Call a tool with -c and quote the call: -c 'TOOL message=hi'",
  );
  usageHint(["lst-tools"], /"lst-tools"/, 'Did you mean "--list-tools"?');
  usageHint(
    ["banana"],
    /"banana"/,
    "The program takes flags and at most one server URL; run with --help to see them",
  );
});
