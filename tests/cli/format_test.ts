import assert from "node:assert/strict";
import {
  base64Size,
  formatCallToolResult,
  formatColumns,
  formatGetPromptResult,
  formatProgress,
  formatReadResourceResult,
  formatShortDescription,
  formatSize,
  formatToolList,
} from "../../lib/cli/format.ts";

const plain = { color: false };

Deno.test("tool results: text in full, other content summarized, structuredContent shown", () => {
  const long = "line one\n" + "x".repeat(2000);
  const out = formatCallToolResult({
    content: [
      { type: "text", text: long },
      { type: "image", data: btoa("x".repeat(3000)), mimeType: "image/png" },
      { type: "audio", data: btoa("abcd"), mimeType: "audio/wav" },
      {
        type: "resource",
        resource: { uri: "file:///notes.txt", mimeType: "text/plain", text: "héllo" },
      },
      { type: "resource", resource: { uri: "file:///a.bin", blob: btoa("12345") } },
      { type: "resource_link", uri: "file:///b.md", name: "b", mimeType: "text/markdown" },
    ],
    structuredContent: { temperature: 21.5 },
  }, plain);
  assert.equal(
    out,
    long + "\n" +
      "[image image/png, 3.0 kB]\n" +
      "[audio audio/wav, 4 bytes]\n" +
      "[resource file:///notes.txt text/plain, 6 bytes]\n" +
      "[resource file:///a.bin, 5 bytes]\n" +
      "[resource link file:///b.md b text/markdown]\n" +
      'Structured content:\n{\n  "temperature": 21.5\n}\n',
  );
});

Deno.test("colors only when asked", () => {
  const result = { content: [{ type: "image" as const, data: "", mimeType: "image/png" }] };
  assert.ok(!formatCallToolResult(result, plain).includes("\x1b["));
  assert.ok(formatCallToolResult(result, { color: true }).includes("\x1b[36m"));
  const tools = [{ name: "t", description: "d", inputSchema: { type: "object" as const } }];
  assert.ok(formatToolList(tools, { color: true }).includes("\x1b[1m"));
  assert.ok(!formatToolList(tools, plain).includes("\x1b["));
});

Deno.test("tool list shows title, short description, parameters and required markers", () => {
  const out = formatToolList([
    {
      name: "search",
      title: "Search the web",
      description: "Searches.\nSecond line is not shown",
      inputSchema: {
        type: "object",
        properties: {
          limit: { type: "integer", description: "How many" },
          query: { type: "string" },
        },
        required: ["query"],
      },
    },
    { name: "x", inputSchema: { type: "object" } },
  ], plain);
  assert.equal(
    out,
    "Tools (2)\n\n" +
      "search  Search the web: Searches.\n" +
      "    query  string   required\n" +
      "    limit  integer  optional  How many\n" +
      "x\n",
  );
  assert.equal(formatToolList([], plain), "No tools\n");
});

Deno.test("resources and prompts", () => {
  assert.equal(
    formatReadResourceResult({ contents: [{ uri: "a://x", text: "hello" }] }, plain),
    "hello\n",
  );
  assert.equal(
    formatReadResourceResult({
      contents: [
        { uri: "a://x", mimeType: "text/plain", text: "one\n" },
        { uri: "a://y", mimeType: "image/png", blob: btoa("xy") },
      ],
    }, plain),
    "--- a://x (text/plain)\none\n--- a://y (image/png)\n[blob a://y image/png, 2 bytes]\n",
  );
  assert.equal(
    formatGetPromptResult({
      description: "A greeting",
      messages: [
        { role: "user", content: { type: "text", text: "Hi" } },
        { role: "assistant", content: { type: "text", text: "Hello" } },
      ],
    }, plain),
    "A greeting\n\n[user]\nHi\n[assistant]\nHello\n",
  );
});

Deno.test("small helpers", () => {
  assert.equal(formatSize(999), "999 bytes");
  assert.equal(formatSize(1_500), "1.5 kB");
  assert.equal(formatSize(2_500_000), "2.5 MB");
  assert.equal(base64Size(btoa("abcde")), 5);
  assert.equal(base64Size(""), 0);
  assert.equal(
    formatProgress({ progress: 2, total: 5, message: "copying" }),
    "progress 2/5 (40%) copying",
  );
  assert.equal(formatProgress({ progress: 7 }), "progress 7");
  assert.equal(formatShortDescription("a".repeat(120)).length, 100);
  assert.deepEqual(formatColumns([["a", "bb", ""], ["ccc", "d", "e"]], "  "), [
    "  a    bb",
    "  ccc  d   e",
  ]);
});
