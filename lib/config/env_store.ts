/**
 * The state file store: reads a server's `.env`, applies changes while keeping unknown keys,
 * comments and order, and writes the result atomically (temporary file in the same directory,
 * fsync, rename) with mode 0600 under a cross-process lock. The text editing
 * ({@link applyEnvChanges}, {@link formatEnvValue}) is pure and proves every value round-trips
 * through `node:util` `parseEnv` before anything is written. Taking the lock also removes temporary
 * files a killed write left behind (older than {@link STALE_TEMP_FILE_MS}). It knows nothing about
 * OAuth.
 *
 * @module
 */

import type { AsyncLocalStorage } from "node:async_hooks";
import { STALE_TEMP_FILE_MS } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { registerSecretValues } from "../log.ts";
import { parseEnvText } from "./env_file.ts";
import { acquireFileLock } from "./lock.ts";
import { baseName, parentDirectory } from "./state_path.ts";

/** A server's state file. */
export interface EnvStore {
  /** The `.env` path. */
  readonly path: string;
  /** Reads the current values; an absent file is empty. */
  read(): Promise<Record<string, string>>;
  /**
   * Applies `changes` (an `undefined` value deletes the key) under the lock and writes the file
   * atomically; resolves with the values now in the file.
   */
  update(changes: Record<string, string | undefined>): Promise<Record<string, string>>;
  /**
   * Runs `fn` holding the cross-process lock; nested calls (also `update` inside `fn`) reuse it.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
}

/** Options of {@link openEnvStore}. */
export interface EnvStoreOptions {
  /** How long to wait for the lock, in ms. */
  lockTimeoutMs?: number;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ASSIGNMENT = /^(\s*)(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

function roundTrips(key: string, text: string, value: string): boolean {
  try {
    // Also check the next line is not swallowed by an unterminated quote.
    const parsed = parseEnvText(`${key}=${text}\n__NEXT__='ok'\n`);
    return parsed[key] === value && parsed.__NEXT__ === "ok";
  } catch {
    return false;
  }
}

/**
 * Formats `value` for `KEY=<here>` so `parseEnv` reads it back unchanged: bare when that is
 * safe, else the first quoting that round-trips. Throws a `config` error for a value no quoting
 * can represent (a carriage return).
 */
export function formatEnvValue(key: string, value: string): string {
  const candidates = [
    ...(/^[A-Za-z0-9_\-.:/+@%,~=?&]*$/.test(value) ? [value] : []),
    `'${value}'`,
    `"${value}"`,
    `\`${value}\``,
  ];
  for (const candidate of candidates) {
    if (roundTrips(key, candidate, value)) return candidate;
  }
  throw new BridgeError("config", `Cannot store a value in the .env file: "${key}"`, {
    hint: "The value contains characters a .env file cannot hold (such as a carriage return)",
  });
}

interface Block {
  key?: string;
  lines: string[];
}

/** Splits `.env` text into blocks: one assignment (with its continuation lines) or one other line. */
function splitBlocks(text: string): Block[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = ASSIGNMENT.exec(lines[i]);
    if (!match) {
      blocks.push({ lines: [lines[i]] });
      continue;
    }
    const rest = match[4];
    const quote = rest[0];
    const block: Block = { key: match[3], lines: [lines[i]] };
    if ((quote === '"' || quote === "'" || quote === "`") && !rest.slice(1).includes(quote)) {
      // A quoted value continuing on the next lines, up to the line holding the closing quote.
      let j = i + 1;
      while (j < lines.length && !lines[j].includes(quote)) j++;
      if (j < lines.length) {
        block.lines.push(...lines.slice(i + 1, j + 1));
        i = j;
      }
    }
    blocks.push(block);
  }
  return blocks;
}

/**
 * Applies `changes` to `.env` text: a changed key is rewritten where it first appears (later
 * duplicates are dropped), a new key is appended, an `undefined` value deletes the key. Comments,
 * blank lines and other keys stay as they are. Pure; throws when the result would not parse back
 * to the intended values.
 */
export function applyEnvChanges(
  text: string,
  changes: Readonly<Record<string, string | undefined>>,
): string {
  for (const key of Object.keys(changes)) {
    if (!KEY.test(key)) {
      throw new BridgeError("config", `Invalid .env key: "${key}"`);
    }
  }
  const blocks = splitBlocks(text);
  const written = new Set<string>();
  const out: string[] = [];
  for (const block of blocks) {
    if (block.key === undefined || !Object.hasOwn(changes, block.key)) {
      out.push(...block.lines);
      continue;
    }
    const value = changes[block.key];
    if (value === undefined || written.has(block.key)) continue;
    written.add(block.key);
    out.push(`${block.key}=${formatEnvValue(block.key, value)}`);
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value !== undefined && !written.has(key)) {
      out.push(`${key}=${formatEnvValue(key, value)}`);
    }
  }
  const result = out.length === 0 ? "" : out.join("\n") + "\n";

  const before = parseEnvText(text);
  const after = parseEnvText(result);
  const expected: Record<string, string | undefined> = { ...before, ...changes };
  for (const key of new Set([...Object.keys(expected), ...Object.keys(after)])) {
    if (expected[key] !== after[key]) {
      throw new BridgeError("config", `Cannot update the .env file safely: "${key}"`, {
        hint: "Check the file for an unterminated quote, or pass --env-file with a fresh file",
      });
    }
  }
  return result;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw new BridgeError("config", `Cannot read the state file: "${path}"`, { cause: error });
  }
}

/** The temporary file of one write: `<path>.<8 hex digits>.tmp`. */
function temporaryPath(path: string): string {
  return `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
}

/**
 * Removes `<path>.<id>.tmp` files last modified more than `maxAgeMs` ago (a write killed between
 * creating and renaming its temporary file). Call it holding the lock. Never throws; resolves
 * with the names removed.
 */
export async function removeStaleTempFiles(
  path: string,
  maxAgeMs: number = STALE_TEMP_FILE_MS,
): Promise<string[]> {
  const dir = parentDirectory(path) ?? ".";
  const base = baseName(path);
  const removed: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const name = entry.name;
      if (!entry.isFile || !name.startsWith(`${base}.`) || !name.endsWith(".tmp")) continue;
      if (!/^[0-9a-f]{8}$/.test(name.slice(base.length + 1, -".tmp".length))) continue;
      const file = `${dir}/${name}`;
      try {
        const mtime = (await Deno.lstat(file)).mtime?.getTime();
        if (mtime === undefined || Date.now() - mtime < maxAgeMs) continue;
        await Deno.remove(file);
        removed.push(name);
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  } catch {
    // No directory yet, or not listable: nothing to clean.
  }
  return removed;
}

/** Writes `text` to `path` atomically with mode 0600: temporary file, fsync, rename. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = parentDirectory(path);
  if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = temporaryPath(path);
  try {
    const file = await Deno.open(temporary, { write: true, createNew: true, mode: 0o600 });
    try {
      const bytes = new TextEncoder().encode(text);
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    if (Deno.build.os !== "windows") await Deno.chmod(temporary, 0o600);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw new BridgeError("config", `Cannot write the state file: "${path}"`, {
      hint: "Check the permissions of the state directory or pass --env-file PATH",
      cause: error,
    });
  }
  if (dir && Deno.build.os !== "windows") {
    // Make the rename itself durable.
    try {
      const handle = await Deno.open(dir, { read: true });
      try {
        await handle.sync();
      } finally {
        handle.close();
      }
    } catch {
      // Some file systems cannot sync a directory; the rename is still atomic.
    }
  }
}

function registerSecrets(values: Record<string, string>): Record<string, string> {
  registerSecretValues(values);
  return values;
}

// Loaded on the first locked update: a proxy that never writes its state file does not pay
// for Node's async_hooks layer at start-up.
let asyncLocalStorage: Promise<typeof AsyncLocalStorage> | undefined;

/** Opens the state file store at `path`; nothing is read or created until first use. */
export function openEnvStore(path: string, options: EnvStoreOptions = {}): EnvStore {
  // Marks the async context that holds the lock, so a nested withLock does not wait for itself.
  let held: AsyncLocalStorage<boolean> | undefined;
  const withLock = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (held?.getStore()) return await fn();
    await using _lock = await acquireFileLock(path, { timeoutMs: options.lockTimeoutMs });
    await removeStaleTempFiles(path);
    asyncLocalStorage ??= import("node:async_hooks").then((module) => module.AsyncLocalStorage);
    held ??= new (await asyncLocalStorage)<boolean>();
    return await held.run(true, fn);
  };
  return {
    path,
    read: async () => registerSecrets(parseEnvText(await readText(path))),
    update: (changes) =>
      withLock(async () => {
        registerSecretValues(changes);
        const next = applyEnvChanges(await readText(path), changes);
        await writeAtomically(path, next);
        return parseEnvText(next);
      }),
    withLock,
  };
}
