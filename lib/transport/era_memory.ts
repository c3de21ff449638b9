/**
 * Where the server's era is remembered: one key of its state file, written under the file's
 * lock like every other state change. Thin I/O over `config/env_store.ts`.
 *
 * @module
 */

import type { ProtocolChoice } from "../config/settings.ts";
import { openEnvStore } from "../config/env_store.ts";
import { ERA_STATE_KEY, type EraMemory } from "./era.ts";

/**
 * The era memory kept in the state file at `path`. A read-only memory (the CLI modes, which
 * leave the state file as it is unless signing in) uses a verdict but never writes one.
 */
export function createEraMemory(path: string, options: { readOnly?: boolean } = {}): EraMemory {
  const store = openEnvStore(path);
  return {
    async read() {
      return (await store.read())[ERA_STATE_KEY];
    },
    async write(value) {
      if (!options.readOnly) await store.update({ [ERA_STATE_KEY]: value });
    },
  };
}

/** The era options of a connection from the settings that name them. */
export function eraOptions(
  settings: { protocol?: ProtocolChoice; stateFile?: string },
  options: { readOnly?: boolean } = {},
): { protocol?: ProtocolChoice; eraMemory?: EraMemory } {
  return {
    ...(settings.protocol ? { protocol: settings.protocol } : {}),
    ...(settings.stateFile ? { eraMemory: createEraMemory(settings.stateFile, options) } : {}),
  };
}
