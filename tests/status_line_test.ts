import assert from "node:assert/strict";
import {
  createStatusLine,
  formatSpinnerLine,
  type SpinnerClock,
  startSpinner,
  type TimerId,
} from "../lib/status_line.ts";
import { renderScreen } from "./support/terminal.ts";

/** A clock whose time and timers move only when the test says so. */
function manualClock() {
  let now = 0;
  let next = 1;
  const timers = new Map<
    number,
    { at: number; every?: number; callback: () => void }
  >();
  const clock: SpinnerClock = {
    now: () => now,
    setTimeout: (callback, ms) => {
      timers.set(next, { at: now + ms, callback });
      return next++ as unknown as TimerId;
    },
    setInterval: (callback, ms) => {
      timers.set(next, { at: now + ms, every: ms, callback });
      return next++ as unknown as TimerId;
    },
    clearTimeout: (id) => void timers.delete(id as unknown as number),
    clearInterval: (id) => void timers.delete(id as unknown as number),
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) =>
        t.at <= end
      ).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) {
        break;
      }
      const [id, timer] = due;
      now = timer.at;
      if (timer.every) {
        timer.at += timer.every;
      } else timers.delete(id);
      timer.callback();
    }
    now = end;
  };
  return { clock, advance, pending: () => timers.size };
}

const PROMPT = "$ mcp-streamablehttp-client …";

/** stderr as the program meets it: below the command line that started it. */
function capture() {
  const written: string[] = [PROMPT];
  return {
    written,
    sink: (line: string) => void written.push(line),
    raw: () => written.map((l) => l + "\n").join(""),
  };
}

Deno.test("a status line is updated in place and leaves nothing when cleared", () => {
  const out = capture();
  const line = createStatusLine(out.sink);
  line.show("progress 1/3 (33%)");
  line.show("progress 2/3 (67%)");
  assert.deepEqual(renderScreen(out.raw()), [PROMPT, "progress 2/3 (67%)"]);
  line.clear();
  line.clear();
  assert.deepEqual(renderScreen(out.raw()), [PROMPT]);
  out.sink("Signed in to host");
  assert.deepEqual(renderScreen(out.raw()), [PROMPT, "Signed in to host"]);
  line.show("x".repeat(200));
  assert.equal([...out.written.at(-1)!].length, 79);
});

Deno.test("the spinner appears after its delay, shows the elapsed time and is cleared", () => {
  const out = capture();
  const { clock, advance, pending } = manualClock();
  let text = 'Waiting for tool "slow"';
  const spinner = startSpinner({
    line: createStatusLine(out.sink),
    text: () => text,
    delayMs: 1000,
    intervalMs: 100,
    clock,
  });
  advance(999);
  assert.deepEqual(out.written, [PROMPT], "nothing before the delay");
  advance(1);
  assert.deepEqual(renderScreen(out.raw()), [PROMPT, '⠋ Waiting for tool "slow" (1 s)']);
  advance(2200);
  assert.deepEqual(renderScreen(out.raw()), [PROMPT, '⠹ Waiting for tool "slow" (3 s)']);
  assert.equal(out.written.length, 24, "one frame every 100 ms");
  text = "progress 1/2 (50%)";
  spinner.refresh();
  assert.deepEqual(renderScreen(out.raw()), [PROMPT, "⠹ progress 1/2 (50%) (3 s)"]);
  spinner.stop();
  assert.deepEqual(renderScreen(out.raw()), [PROMPT]);
  assert.equal(pending(), 0, "no timer left");
});

Deno.test("progress before the delay is shown at once, without a spinner", () => {
  const out = capture();
  const { clock, advance, pending } = manualClock();
  let text = "Waiting";
  const spinner = startSpinner({
    line: createStatusLine(out.sink),
    text: () => text,
    clock,
  });
  text = "progress 1/2 (50%)";
  spinner.refresh();
  assert.deepEqual(renderScreen(out.raw()), [PROMPT, "progress 1/2 (50%)"]);
  spinner.stop();
  advance(5000);
  assert.deepEqual(renderScreen(out.raw()), [PROMPT]);
  assert.equal(pending(), 0);
  assert.equal(formatSpinnerLine(12, "x", 61_500), "⠹ x (61 s)");
});
