/**
 * What a person watching a terminal sees while a call runs: progress notifications on one line
 * updated in place, and after about a second a spinner with the elapsed time. Off a terminal (or
 * with `--json`) progress becomes INFO log records and nothing is drawn.
 *
 * @module
 */

import type { ProgressInfo } from "../mcp_client_types.ts";
import { createStatusLine, type SpinnerClock, startSpinner } from "../status_line.ts";
import type { ModeContext } from "./context.ts";
import { formatProgress } from "./format.ts";

/** The feedback of one running request. */
export interface Activity {
  /** Shows (or logs) a progress notification. */
  onProgress(progress: ProgressInfo): void;
  /** Ends the feedback; the status line is removed. */
  stop(): void;
}

/** Options of {@link startActivity}. */
export interface ActivityOptions {
  /** What is waited for, e.g. `tool "slow"`. */
  label: string;
  /** Injected timers, for tests. */
  clock?: SpinnerClock;
}

/** Starts the feedback for one request. */
export function startActivity(
  context: Pick<ModeContext, "io" | "log" | "settings" | "spinnerDelayMs">,
  options: ActivityOptions,
): Activity {
  if (!context.io.stderrIsTerminal || context.settings.json) {
    return { onProgress: (progress) => context.log.info(formatProgress(progress)), stop() {} };
  }
  let text = `Waiting for ${options.label}`;
  const spinner = startSpinner({
    line: createStatusLine(context.io.stderr),
    text: () => text,
    ...(context.spinnerDelayMs === undefined ? {} : { delayMs: context.spinnerDelayMs }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    onProgress(progress) {
      text = formatProgress(progress);
      spinner.refresh();
    },
    stop: () => spinner.stop(),
  };
}
