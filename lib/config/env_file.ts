/**
 * The `.env` text format: parse with Deno's built-in `node:util` `parseEnv`. Pure: text in,
 * values out. Writing and the atomic file store live in `env_store.ts`.
 *
 * @module
 */

import { parseEnv } from "node:util";

/** Parses `.env` text into its key/value pairs. */
export function parseEnvText(text: string): Record<string, string> {
  return { ...parseEnv(text) } as Record<string, string>;
}

/** Reads and parses a `.env` file; an absent file is empty. */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  try {
    return parseEnvText(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
}
