/**
 * Time that tests control: a virtual clock with timers that fire only when the test advances it
 * (for code that takes a `Timers` option), and a wall clock the test can move forward (for code
 * that takes a `now` option). A test states how much time passes instead of waiting for it.
 *
 * @module
 */

import type { Timers } from "../../lib/async.ts";

/** Timers on a virtual clock; `advance` runs whatever falls due, in order. */
export interface FakeTimers extends Timers {
  /** Virtual milliseconds since creation. */
  now(): number;
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
    now() {
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

/** A wall clock that a test can move forward, shared by the code under test and its fixtures. */
export interface TestClock {
  /** Milliseconds since the epoch, plus every advance so far. */
  now(): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
}

/** Creates a clock that starts at the real time and moves only forward by `advance`. */
export function createTestClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      offset += ms;
    },
  };
}
