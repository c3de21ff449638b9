import assert from "node:assert/strict";
import { splitCommand, splitWords } from "../../lib/cli/words.ts";

Deno.test("splitCommand separates the name from the rest", () => {
  assert.deepEqual(splitCommand("  echo   message=hi  "), { name: "echo", rest: "message=hi" });
  assert.deepEqual(splitCommand("list"), { name: "list", rest: "" });
  assert.throws(() => splitCommand("   "), /Missing tool name/);
});

Deno.test("splitWords marks only unquoted plain-name keys", () => {
  assert.deepEqual(splitWords(`a=1 'b=2' c"="3 https://h/?q=1 x.y-z=4`), [
    { text: "a=1", key: "a", value: "1" },
    { text: "b=2" },
    { text: "c=3" },
    { text: "https://h/?q=1" },
    { text: "x.y-z=4", key: "x.y-z", value: "4" },
  ]);
  assert.deepEqual(splitWords(`k="a b" '' "" \\ x`), [
    { text: "k=a b", key: "k", value: "a b" },
    { text: "" },
    { text: "" },
    { text: " x" },
  ]);
});
