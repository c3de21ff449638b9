/**
 * Where the server's era is remembered: one key of its state file, written under the file's
 * lock like every other state change. Thin I/O over `config/env_store.ts`.
 *
 * @module
 */

import type { ProtocolChoice } from "../config/settings.ts";
import { openEnvStore } from "../config/env_store.ts";
import { ERA_STATE_KEY, type EraMemory } from "./era.ts";

/** Options of {@link createEraMemory}. */
export interface EraMemoryOptions {
  /** Uses a verdict but never writes one (the CLI modes leave the state file as it is). */
  readOnly?: boolean;
  /**
   * The state file's values as the program read them at start-up: the first read answers from
   * them instead of reading the file a second time before the first request.
   */
  snapshot?: Readonly<Record<string, string>>;
}

/** The era memory kept in the state file at `path`. */
export function createEraMemory(path: string, options: EraMemoryOptions = {}): EraMemory {
  const store = openEnvStore(path);
  let snapshot = options.snapshot;
  return {
    async read() {
      if (snapshot) {
        const value = snapshot[ERA_STATE_KEY];
        snapshot = undefined;
        return value;
      }
      return (await store.read())[ERA_STATE_KEY];
    },
    async write(value) {
      snapshot = undefined;
      if (!options.readOnly) await store.update({ [ERA_STATE_KEY]: value });
    },
  };
}

/**
 * The era options of a connection from the settings that name them; the state file's values read
 * at start-up (`stateValues`) answer the first read.
 */
export function eraOptions(
  settings: {
    protocol?: ProtocolChoice;
    stateFile?: string;
    stateValues?: Readonly<Record<string, string>>;
  },
  options: { readOnly?: boolean } = {},
): { protocol?: ProtocolChoice; eraMemory?: EraMemory } {
  const memoryOptions = { ...options, snapshot: settings.stateValues };
  return {
    ...(settings.protocol ? { protocol: settings.protocol } : {}),
    ...(settings.stateFile
      ? { eraMemory: createEraMemory(settings.stateFile, memoryOptions) }
      : {}),
  };
}
