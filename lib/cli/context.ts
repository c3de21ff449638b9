/**
 * What every mode receives from the entry point: resolved settings, the logger, the configured
 * fetch, the credential provider and the process streams. Types only, so
 * modes stay testable without touching the real process.
 *
 * @module
 */

import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log.ts";
import type { ProcessIo } from "../process_io.ts";
import type { CredentialProvider } from "../transport/types.ts";

/** Everything a mode needs. */
export interface ModeContext {
  settings: Readonly<Settings>;
  log: Logger;
  io: ProcessIo;
  /** Fetch with the custom CA and proxy settings applied. */
  fetch: typeof fetch;
  /** Supplies and renews bearer tokens (static, none or OAuth). */
  credentials: CredentialProvider;
  /** Colors allowed (stdout is a terminal and NO_COLOR is unset or empty). */
  color: boolean;
  /** How long a call runs before the terminal shows a spinner, in ms (default 1000). */
  spinnerDelayMs?: number;
}
