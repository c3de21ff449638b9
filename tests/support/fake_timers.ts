/**
 * A virtual clock with timers that fire only when a test advances it, for code that takes a
 * `Timers` option: a test states how much time passes instead of waiting for it.
 *
 * @module
 */

import type { Timers } from "../../lib/async.ts";

/** Timers on a virtual clock; `advance` runs whatever falls due, in order. */
export interface FakeTimers extends Timers {
  /** Virtual milliseconds since creation. */
  readonly now: number;
  /** How many timers are waiting. */
  readonly pending: number;
  /** Moves the clock forward by `ms`, firing due timers in time order. */
  advance(ms: number): void;
}

/** Creates a virtual clock starting at 0. */
export function createFakeTimers(): FakeTimers {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    get now() {
      return now;
    },
    get pending() {
      return timers.size;
    },
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id as number);
    },
    advance(ms) {
      const end = now + ms;
      while (true) {
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
        }
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
}
