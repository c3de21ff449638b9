import assert from "node:assert/strict";
import { acquireFileLock } from "../../lib/config/lock.ts";
import { BridgeError } from "../../lib/errors.ts";
import { waitUntil } from "../support/wait.ts";

Deno.test("lock serializes holders inside one process", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/s.env`;
    const order: string[] = [];
    const first = await acquireFileLock(path);
    const second = acquireFileLock(path).then((lock) => {
      order.push("second");
      return lock;
    });
    // While the first holds the lock, any other waiter runs into its deadline.
    await assert.rejects(
      acquireFileLock(path, { timeoutMs: 0 }),
      (error: unknown) => error instanceof BridgeError && error.kind === "timeout",
    );
    order.push("first releases");
    await first.release();
    await (await second).release();
    assert.deepEqual(order, ["first releases", "second"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an in-process waiter times out and passes its turn on", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/s.env`;
    const first = await acquireFileLock(path);
    await assert.rejects(
      acquireFileLock(path, { timeoutMs: 50 }),
      (error: unknown) => error instanceof BridgeError && error.kind === "timeout",
    );
    const third = acquireFileLock(path);
    await first.release();
    await (await third).release();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/**
 * Whether a process waits for the OS lock on `lockPath`: Linux lists blocked waiters in
 * /proc/locks with `->`. Where that table does not exist, true at once.
 */
async function waitsForOsLock(lockPath: string): Promise<boolean> {
  let table: string;
  try {
    table = await Deno.readTextFile("/proc/locks");
  } catch {
    return true;
  }
  const { ino } = await Deno.stat(lockPath);
  return table.split("\n").some((line) => line.includes("->") && line.includes(`:${ino} `));
}

const HOLDER = `
const file = await Deno.open(Deno.args[0] + ".lock", { read: true, write: true, create: true });
await file.lock(true);
console.log("locked");
setInterval(() => {}, 1000);
`;

Deno.test({
  name: "a lock held by another process is released when that process is killed",
  // The OS lock request cannot be cancelled; the waiter's op ends when the lock is granted.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      const path = `${root}/s.env`;
      const script = `${root}/holder.ts`;
      await Deno.writeTextFile(script, HOLDER);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-q", "-A", script, path],
        stdout: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      await reader.read();
      await assert.rejects(acquireFileLock(path, { timeoutMs: 100 }), /another process held/);
      const waiting = acquireFileLock(path, { timeoutMs: 10_000 });
      let blocked = false;
      await waitUntil(() => blocked, "the waiter to block on the lock", async () => {
        blocked = await waitsForOsLock(`${path}.lock`);
      });
      child.kill("SIGKILL");
      await reader.cancel();
      await child.status;
      const lock = await waiting;
      await lock.release();
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

const RELEASER = `
import { acquireFileLock } from ${
  JSON.stringify(new URL("../../lib/config/lock.ts", import.meta.url).href)
};
const lock = await acquireFileLock(Deno.args[0]);
console.log("locked");
for await (const _ of Deno.stdin.readable) break;
await lock.release();
`;

const PROBE = `
import { acquireFileLock } from ${
  JSON.stringify(new URL("../../lib/config/lock.ts", import.meta.url).href)
};
try {
  const lock = await acquireFileLock(Deno.args[0], { timeoutMs: 200 });
  await lock.release();
  console.log("acquired");
} catch {
  console.log("busy");
}
Deno.exit(0); // the refused OS lock request would keep the process alive until granted
`;

async function runScript(root: string, name: string, source: string, path: string) {
  const script = `${root}/${name}.ts`;
  await Deno.writeTextFile(script, source);
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-A", script, path],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
}

Deno.test({
  name: "the lock file is removed on release and the lock stays exclusive across processes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      const path = `${root}/s.env`;
      const alone = await acquireFileLock(path);
      await alone.release();
      assert.deepEqual([...Deno.readDirSync(root)], [], "no empty lock file is left");

      const holder = await runScript(root, "releaser", RELEASER, path);
      const reader = holder.stdout.getReader();
      await reader.read(); // "locked"
      const waiting = acquireFileLock(path, { timeoutMs: 20_000 });
      // The holder removes the file it locked, then unlocks: this waiter got the lock on a file
      // that is gone and must lock the path's new file instead.
      const writer = holder.stdin.getWriter();
      await writer.write(new TextEncoder().encode("release\n"));
      await writer.close();
      const lock = await waiting;
      await reader.cancel();
      await holder.status;
      assert.ok(Deno.statSync(`${path}.lock`).isFile, "the waiter holds the path's lock file");
      const probe = await runScript(root, "probe", PROBE, path);
      probe.stdin.close();
      const probed = new TextDecoder().decode((await probe.output()).stdout).trim();
      assert.equal(probed, "busy", "another process cannot take the lock meanwhile");
      await lock.release();
      assert.ok(!existsSync(`${path}.lock`));
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
