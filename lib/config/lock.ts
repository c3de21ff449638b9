/**
 * A cross-process exclusive lock on a file path, used to serialize every change of a server's
 * state `.env` (refresh, sign-in, registration) between bridge processes. It locks a separate
 * `<path>.lock` file with the operating system's advisory lock (`Deno.FsFile.lock`), which the
 * kernel drops when the holder dies, so a killed process never leaves a stale lock behind. Inside
 * one process, waiters queue on a promise first, so at most one thread blocks on the OS lock.
 * The holder removes the lock file before it unlocks, so empty lock files do not pile up; a
 * waiter that then gets the lock on the removed file sees that the path no longer names its file
 * and starts over, so two processes never hold locks on different files at once.
 *
 * @module
 */

import { withDeadline } from "../async.ts";
import { STATE_LOCK_TIMEOUT_MS } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { parentDirectory } from "./state_path.ts";

/** A held lock; release it exactly once, or let `await using` do it. */
export interface FileLock extends AsyncDisposable {
  /** The lock file's path. */
  readonly path: string;
  /** Releases the lock; later calls do nothing. */
  release(): Promise<void>;
}

/** Options of {@link acquireFileLock}. */
export interface AcquireLockOptions {
  /** How long to wait for the lock, in ms (default {@link STATE_LOCK_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Stops waiting when aborted. */
  signal?: AbortSignal;
}

/** The tail of each path's in-process waiting line. */
const localQueues = new Map<string, Promise<void>>();

function lockTimeoutError(path: string, timeoutMs: number): BridgeError {
  return new BridgeError(
    "timeout",
    `Cannot lock the state file: another process held "${path}" for more than ${
      Math.round(timeoutMs / 1000)
    } s`,
    {
      hint:
        "Another bridge for this server may be waiting for a browser sign-in; finish or stop it",
    },
  );
}

/**
 * Acquires the exclusive lock `<path>.lock`, creating the file (mode 0600) and its directory
 * (mode 0700) when needed. Rejects with a `timeout` BridgeError after `timeoutMs`.
 */
export async function acquireFileLock(
  path: string,
  options: AcquireLockOptions = {},
): Promise<FileLock> {
  const lockPath = `${path}.lock`;
  const timeoutMs = options.timeoutMs ?? STATE_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;

  const previous = localQueues.get(lockPath) ?? Promise.resolve();
  let releaseLocal!: () => void;
  const mine = new Promise<void>((resolve) => releaseLocal = resolve);
  const tail = previous.then(() => mine);
  localQueues.set(lockPath, tail);
  tail.then(() => {
    if (localQueues.get(lockPath) === tail) localQueues.delete(lockPath);
  });

  try {
    await withDeadline(previous, {
      ms: deadline - Date.now(),
      signal: options.signal,
      onTimeout: () => lockTimeoutError(path, timeoutMs),
    });
  } catch (error) {
    // Pass our turn on once the holder before us is done.
    previous.then(releaseLocal);
    throw error;
  }

  let file: Deno.FsFile;
  for (;;) {
    try {
      file = await openLockFile(lockPath);
    } catch (error) {
      releaseLocal();
      throw error;
    }
    const osLock = file.lock(true);
    try {
      await withDeadline(osLock, {
        ms: deadline - Date.now(),
        signal: options.signal,
        onTimeout: () => lockTimeoutError(path, timeoutMs),
      });
    } catch (error) {
      // The OS call cannot be cancelled: drop the lock as soon as it is granted.
      const waited = file;
      osLock.then(() => waited.unlock(), () => {}).finally(() => closeQuietly(waited));
      releaseLocal();
      throw error;
    }
    if (await namesFile(lockPath, file)) break;
    // The previous holder removed this file while we waited: lock the path's current file.
    await file.unlock();
    closeQuietly(file);
  }

  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    try {
      // Removed while still held (see the module comment). Not on Windows, where a file has no
      // inode to compare and a waiter could not tell that its file was removed.
      if (Deno.build.os !== "windows") await Deno.remove(lockPath).catch(() => {});
      await file.unlock();
    } finally {
      closeQuietly(file);
      releaseLocal();
    }
  };
  return { path: lockPath, release, [Symbol.asyncDispose]: release };
}

async function openLockFile(lockPath: string): Promise<Deno.FsFile> {
  try {
    const dir = parentDirectory(lockPath);
    if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    return await Deno.open(lockPath, { read: true, write: true, create: true, mode: 0o600 });
  } catch (error) {
    throw new BridgeError("config", `Cannot open the state lock file: "${lockPath}"`, {
      hint: "Check the permissions of the state directory or pass --env-file PATH",
      cause: error,
    });
  }
}

/** Whether `path` still names the open `file` (same device and inode). */
async function namesFile(path: string, file: Deno.FsFile): Promise<boolean> {
  const held = await file.stat();
  if (held.ino === null) return true; // Windows: lock files are not removed there
  try {
    const current = await Deno.stat(path);
    return current.ino === held.ino && current.dev === held.dev;
  } catch {
    return false;
  }
}

function closeQuietly(file: Deno.FsFile): void {
  try {
    file.close();
  } catch {
    // already closed
  }
}
