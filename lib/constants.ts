/**
 * Tunables with their units: timeouts, caps, back-offs and the protocol versions the bridge
 * speaks. One place, so nothing is a magic number elsewhere.
 *
 * @module
 */

/** Program name, as shown in logs, help and the User-Agent. */
export const PROGRAM_NAME = "mcp-streamablehttp-client";

/** Program version; kept equal to deno.json's `version` by a test. */
export const PROGRAM_VERSION = "0.1.0";

/** The newest MCP protocol version the bridge itself offers (CLI modes send it). */
export const LATEST_PROTOCOL_VERSION = "2025-11-25";

/** Protocol versions whose Streamable HTTP rules the bridge implements. */
export const SUPPORTED_PROTOCOL_VERSIONS = [
  "2025-11-25",
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
] as const;

/** Default per-request timeout in milliseconds (`--timeout`, seconds on the command line). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Delay before resuming a dropped SSE stream when the server sent no `retry`, in ms. */
export const DEFAULT_RECONNECT_DELAY_MS = 1_000;

/** Upper bound of the resumption back-off, in ms. */
export const MAX_RECONNECT_DELAY_MS = 30_000;

/** How many times one stream is resumed without progress before the request fails. */
export const MAX_RESUME_ATTEMPTS = 5;

/** How long `DELETE` on shutdown may take before the process exits anyway, in ms. */
export const SHUTDOWN_DELETE_TIMEOUT_MS = 2_000;

/** Default time to wait for the user to finish signing in, in ms (`--auth-timeout`). */
export const DEFAULT_AUTH_TIMEOUT_MS = 300_000;

/** Refresh an access token this long before it expires, in ms. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

/** How often a step-up (403 insufficient_scope) sign-in may run for one request. */
export const MAX_SCOPE_STEP_UPS = 3;

/** How long a process waits for another process's lock on the server's state, in ms. */
export const STATE_LOCK_TIMEOUT_MS = 330_000;
