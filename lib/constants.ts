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

/** The protocol version of the 2026-07-28 era (no handshake, no sessions). */
export const MODERN_PROTOCOL_VERSION = "2026-07-28";

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

/**
 * How many sign-ins may be spent on one 403 `insufficient_scope` escalation, counting a browser
 * sign-in that produced the refused token (MCP conformance `auth/scope-retry-limit`).
 */
export const MAX_SCOPE_STEP_UPS = 3;

/** How long a process waits for another process's lock on the server's state, in ms. */
export const STATE_LOCK_TIMEOUT_MS = 330_000;

/**
 * A token the server refuses within this many ms of the bridge obtaining it is not renewed the
 * same way again (a refreshed one is not refreshed again, a signed-in one fails instead).
 */
export const FRESH_TOKEN_MS = 10_000;

/** After a failed browser sign-in, refusals fail fast for this many ms instead of reopening it. */
export const SIGN_IN_RETRY_DELAY_MS = 30_000;

/** How often requests waiting for an interactive sign-in hear progress (proxy mode), in ms. */
export const SIGN_IN_PROGRESS_INTERVAL_MS = 10_000;

/** After a refresh failed for a transient reason, refusals fail fast for this many ms. */
export const REFRESH_RETRY_DELAY_MS = 5_000;

/**
 * Extra time, in ms, a process waits for the state lock beyond `--auth-timeout`, so it outlasts
 * another process's browser sign-in.
 */
export const AUTH_LOCK_GRACE_MS = 30_000;

/** How long the end of a sign-in waits for the browser opener to exit, in ms. */
export const BROWSER_SETTLE_MS = 2_000;

/** First TCP port of the range the stable per-server callback port is taken from. */
export const CALLBACK_PORT_BASE = 20_000;

/**
 * Number of TCP ports in that range: 20000..31999, below the Linux, macOS and Windows ephemeral
 * port ranges.
 */
export const CALLBACK_PORT_SPAN = 12_000;

/** A `<state file>.<id>.tmp` left by a killed write is removed once older than this, in ms. */
export const STALE_TEMP_FILE_MS = 60_000;

/**
 * How many `input_required` rounds the bridge fulfils for one request of a 2025-era client before
 * it gives up (the SDK v2 client and mcp-remote use 10).
 */
export const DEFAULT_INPUT_ROUNDS = 10;

/**
 * The largest single message the bridge reads from the server, in bytes: one JSON body, or the
 * data of one SSE event (counted in decoded characters, never more than its bytes). A bigger one
 * fails the request it belongs to with a protocol error.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Bytes the stdout writer may hold for a slow reader before the transport stops reading the
 * server's streams; reading resumes as soon as the queue drains below it.
 */
export const OUTPUT_QUEUE_BYTES = 4 * 1024 * 1024;

/** The most bytes the stdout writer hands to one write call (more when one line is longer). */
export const OUTPUT_WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * While a running session's server refuses connections (it is restarting), a message is sent
 * again for up to this long, in ms, with back-off from {@link RESTART_RETRY_DELAY_MS}. Safe: a
 * refused connection carried nothing.
 */
export const SERVER_RESTART_GRACE_MS = 10_000;

/** First delay before re-sending to a server that refused the connection, in ms. */
export const RESTART_RETRY_DELAY_MS = 100;

/** How many same-origin redirects one request may follow. */
export const MAX_REDIRECTS = 5;
