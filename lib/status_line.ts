/**
 * One line on a terminal's stderr that is updated in place (progress, a waiting spinner) and
 * removed when done, written through the line-based stderr sink: each update moves the cursor up
 * over the previous one and clears it. When stderr is not a terminal nothing is drawn; callers
 * log instead. The clock and the timer are injected so tests drive the spinner without waiting.
 *
 * @module
 */

import type { LogSink } from "./log.ts";

/** Cursor up one line, then clear that line. */
const UP_AND_CLEAR = "\x1b[1A\x1b[2K";
/** The widest status text, so a line never wraps on an 80-column terminal. */
const MAX_STATUS_WIDTH = 79;

/** The spinner's frames. */
export const SPINNER_FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"] as const;

/** A line updated in place. */
export interface StatusLine {
  /** Replaces the line's text (draws it the first time). */
  show(text: string): void;
  /** Removes the line; the next output starts where it was. */
  clear(): void;
  /** Whether a line is on screen. */
  readonly shown: boolean;
}

function fit(text: string): string {
  const chars = [...text];
  return chars.length <= MAX_STATUS_WIDTH
    ? text
    : chars.slice(0, MAX_STATUS_WIDTH - 1).join("") + "…";
}

/** Creates a status line drawn through `sink` (one call per line, the sink adds the newline). */
export function createStatusLine(sink: LogSink): StatusLine {
  let shown = false;
  return {
    show(text) {
      sink((shown ? UP_AND_CLEAR : "") + fit(text));
      shown = true;
    },
    clear() {
      if (!shown) return;
      // Up onto the line, clear it, up once more: the sink's newline lands back on the cleared
      // line, at its start, where the next output goes.
      sink(UP_AND_CLEAR + "\x1b[1A");
      shown = false;
    },
    get shown() {
      return shown;
    },
  };
}

/** A timer handle, as the clock returns it. */
export type TimerId = ReturnType<typeof setTimeout>;

/** Timers and clock of a spinner; the defaults are the real ones. */
export interface SpinnerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
  setInterval(callback: () => void, ms: number): TimerId;
  clearInterval(id: TimerId): void;
}

/** The real clock and timers. */
export const REAL_CLOCK: SpinnerClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (id) => clearTimeout(id),
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (id) => clearInterval(id),
};

/** Options of {@link startSpinner}. */
export interface SpinnerOptions {
  line: StatusLine;
  /** The text after the frame, e.g. `Waiting for "slow"`; may change while spinning. */
  text: () => string;
  /** How long to wait before the spinner appears, in ms (default 1000). */
  delayMs?: number;
  /** Time between frames, in ms (default 100). */
  intervalMs?: number;
  /** Append the elapsed seconds (default true). */
  showElapsed?: boolean;
  clock?: SpinnerClock;
}

/** A running spinner. */
export interface Spinner {
  /** Draws the current text at once (e.g. after a progress update), with the spinner if due. */
  refresh(): void;
  /** Stops the spinner and clears its line. */
  stop(): void;
}

/** `⠋ Waiting for "slow" (3 s)`: the frame, the text and the elapsed seconds. Pure. */
export function formatSpinnerLine(frame: number, text: string, elapsedMs: number): string {
  const seconds = Math.floor(elapsedMs / 1000);
  return `${SPINNER_FRAMES[frame % SPINNER_FRAMES.length]} ${text} (${seconds} s)`;
}

/**
 * Shows `text` with a spinner and the elapsed time once `delayMs` has passed without `stop`,
 * then one frame every `intervalMs`.
 */
export function startSpinner(options: SpinnerOptions): Spinner {
  const clock = options.clock ?? REAL_CLOCK;
  const started = clock.now();
  let frame = 0;
  let spinning = false;
  let interval: TimerId | undefined;
  const draw = () => {
    options.line.show(
      spinning ? formatSpinnerLine(frame, options.text(), clock.now() - started) : options.text(),
    );
  };
  const begin = () => {
    spinning = true;
    draw();
    interval = clock.setInterval(() => {
      frame++;
      draw();
    }, options.intervalMs ?? 100);
  };
  const delay = options.delayMs ?? 1000;
  const timeout = delay <= 0 ? (begin(), undefined) : clock.setTimeout(begin, delay);
  return {
    refresh: draw,
    stop() {
      if (timeout !== undefined) clock.clearTimeout(timeout);
      if (interval !== undefined) clock.clearInterval(interval);
      options.line.clear();
    },
  };
}
