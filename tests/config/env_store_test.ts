import assert from "node:assert/strict";
import { parseEnv } from "node:util";
import {
  applyEnvChanges,
  formatEnvValue,
  openEnvStore,
  removeStaleTempFiles,
} from "../../lib/config/env_store.ts";

const TRICKY: Record<string, string> = {
  HASH: "a#b",
  LEADING_HASH: "#x",
  SINGLE: "it's",
  DOUBLE: 'say "hi"',
  BOTH: `a'b"c`,
  ALL_QUOTES: "a'b\"c`d",
  SPACES: "  padded value  ",
  EQUALS: "x = y == z",
  NEWLINE: "line1\nline2",
  LITERAL_BACKSLASH_N: "lit\\nnot",
  BACKSLASHES: "C:\\path\\to\\file\\",
  DOLLAR: "$HOME ${PATH}",
  EMPTY: "",
  URL: "https://example.com/cb?x=1&y=2#frag",
  JSONISH: '{"a": "b#c", "d": [1, 2]}',
  MIXED: "a # b 'c' \"d\"\nsecond line = \\n # end",
};

Deno.test("formatEnvValue round-trips tricky values through parseEnv", () => {
  for (const [key, value] of Object.entries(TRICKY)) {
    const text = `${key}=${formatEnvValue(key, value)}\n`;
    assert.equal(parseEnv(text)[key], value, `value of ${key} in ${JSON.stringify(text)}`);
  }
});

Deno.test("formatEnvValue leaves plain tokens bare", () => {
  assert.equal(formatEnvValue("K", "abc-DEF_123.xyz"), "abc-DEF_123.xyz");
  assert.equal(formatEnvValue("K", "https://h:1/p"), "https://h:1/p");
});

Deno.test("formatEnvValue refuses a carriage return", () => {
  assert.throws(() => formatEnvValue("K", "a\r\nb"), /Cannot store a value/);
});

Deno.test("applyEnvChanges round-trips a whole file of tricky values", () => {
  const text = applyEnvChanges("", TRICKY);
  assert.deepEqual({ ...parseEnv(text) }, TRICKY);
  // Updating each again keeps every other key intact.
  const again = applyEnvChanges(text, { NEWLINE: "x\ny\nz", HASH: undefined });
  const expected: Record<string, string> = { ...TRICKY, NEWLINE: "x\ny\nz" };
  delete expected.HASH;
  assert.deepEqual({ ...parseEnv(again) }, expected);
});

Deno.test("applyEnvChanges keeps comments, unknown keys and order", () => {
  const original = [
    "# my server",
    "MCP_SERVER_URL=https://example.com/mcp",
    "",
    "# keep me",
    "OTHER=1 # inline comment",
    "export EXPORTED=yes",
    "MCP_CLIENT_ACCESS_TOKEN=old",
    'MULTI="first',
    'second"',
    "TAIL=end",
    "",
  ].join("\n");
  const next = applyEnvChanges(original, {
    MCP_CLIENT_ACCESS_TOKEN: "new#token",
    MULTI: undefined,
    ADDED: "value",
  });
  assert.equal(
    next,
    [
      "# my server",
      "MCP_SERVER_URL=https://example.com/mcp",
      "",
      "# keep me",
      "OTHER=1 # inline comment",
      "export EXPORTED=yes",
      "MCP_CLIENT_ACCESS_TOKEN='new#token'",
      "TAIL=end",
      "ADDED=value",
      "",
    ].join("\n"),
  );
});

Deno.test("applyEnvChanges collapses duplicate keys into the first place", () => {
  const next = applyEnvChanges("A=1\nB=2\nA=3\n", { A: "4" });
  assert.equal(next, "A=4\nB=2\n");
});

Deno.test("applyEnvChanges rejects an invalid key", () => {
  assert.throws(() => applyEnvChanges("", { "BAD KEY": "x" }), /Invalid .env key/);
});

Deno.test("env store writes atomically with mode 0600 in a 0700 directory", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/nested/dir/server.env`;
    const store = openEnvStore(path);
    assert.deepEqual(await store.read(), {});
    const values = await store.update({ A: "1", B: "two words" });
    assert.deepEqual(values, { A: "1", B: "two words" });
    assert.deepEqual(await store.read(), values);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(`${root}/nested/dir`)).mode! & 0o777, 0o700);
    }
    // An existing looser file becomes 0600 after an update.
    if (Deno.build.os !== "windows") {
      await Deno.chmod(path, 0o644);
      await store.update({ A: undefined });
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    }
    assert.deepEqual(await store.read(), { B: "two words" });
    const leftovers = [...Deno.readDirSync(`${root}/nested/dir`)].map((e) => e.name)
      .filter((name) => name.endsWith(".tmp"));
    assert.deepEqual(leftovers, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("env store serializes concurrent updates in one process", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/s.env`;
    const a = openEnvStore(path);
    const b = openEnvStore(path);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).update({ [`K${i}`]: String(i) })),
    );
    const values = await a.read();
    assert.equal(Object.keys(values).length, 20);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("withLock is reentrant and update inside it does not deadlock", async () => {
  const root = await Deno.makeTempDir();
  try {
    const store = openEnvStore(`${root}/s.env`);
    const result = await store.withLock(async () => {
      await store.update({ A: "1" });
      return await store.withLock(async () => (await store.read()).A);
    });
    assert.equal(result, "1");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

const WRITER = `
import { openEnvStore } from ${
  JSON.stringify(new URL("../../lib/config/env_store.ts", import.meta.url).href)
};
const store = openEnvStore(Deno.args[0]);
const big = "x".repeat(200_000);
for (let i = 0; ; i++) {
  await store.update({ COUNTER: String(i), BIG: big + i, OTHER: "keep #me" });
  console.log(i);
}
`;

/** Reads the writer's progress lines until it reported `count` finished writes. */
async function waitForWrites(
  progress: ReadableStreamDefaultReader<string>,
  count: number,
): Promise<void> {
  let reported = 0;
  while (reported < count) {
    const { value, done } = await progress.read();
    if (done) throw new Error(`The writer stopped after ${reported} writes`);
    reported += value.split("\n").length - 1;
  }
}

Deno.test("a write killed at any moment leaves the old or the new file", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/s.env`;
    await Deno.writeTextFile(path, "# header\nOTHER='keep #me'\n");
    const script = `${root}/writer.ts`;
    await Deno.writeTextFile(script, WRITER);
    for (let round = 0; round < 3; round++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "-A", script, path],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      // The writer never pauses: killed once it reports a number of writes that differs per
      // round, it dies in the middle of a later write, wherever that write happens to be.
      const progress = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      await waitForWrites(progress, 4 + round * 7);
      child.kill("SIGKILL");
      while (!(await progress.read()).done) { /* the lines written before the kill */ }
      await child.status;
      const values = { ...parseEnv(await Deno.readTextFile(path)) };
      assert.equal(values.OTHER, "keep #me");
      assert.ok(values.BIG?.endsWith(values.COUNTER ?? "-"), "BIG and COUNTER come from one write");
      assert.ok((await Deno.readTextFile(path)).startsWith("# header\n"));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("taking the lock removes stale temporary files of the same state file only", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/s.env`;
    const old = new Date(Date.now() - 5 * 60_000);
    const names = {
      stale: "s.env.0a1b2c3d.tmp",
      recent: "s.env.deadbeef.tmp",
      otherServer: "t.env.0a1b2c3d.tmp",
      notOurs: "s.env.backup.tmp",
    };
    for (const name of Object.values(names)) await Deno.writeTextFile(`${root}/${name}`, "X=1\n");
    for (const name of [names.stale, names.otherServer, names.notOurs]) {
      await Deno.utime(`${root}/${name}`, old, old);
    }
    const store = openEnvStore(path);
    await store.update({ A: "1" });
    const left = [...Deno.readDirSync(root)].map((e) => e.name).sort();
    assert.deepEqual(
      left,
      [names.notOurs, names.recent, "s.env", names.otherServer].sort(),
    );
    assert.deepEqual(await removeStaleTempFiles(path, 0), [names.recent]);
    assert.deepEqual(await removeStaleTempFiles(`${root}/absent/x.env`), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
