import assert from "node:assert/strict";
import { acquireFileLock } from "../../lib/config/lock.ts";
import { BridgeError } from "../../lib/errors.ts";

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
      await new Promise((resolve) => setTimeout(resolve, 100));
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
