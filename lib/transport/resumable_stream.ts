/**
 * Reading SSE streams that may break: the POST response stream of one request, resumed with
 * `Last-Event-ID` until its response arrives, and the long-lived GET stream, reopened with
 * back-off whenever it ends. Event ids already seen are dropped, the server's `retry` is
 * honoured, and every wait goes through an injected {@link Scheduler} so tests need no sleeps.
 * Opening a stream (headers, authorization, status codes) is the caller's job, passed in as a
 * function; this module never builds a request and never logs a token.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#resumability-and-redelivery
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#concept-event-stream-reconnection-time
 */

import {
  DEFAULT_RECONNECT_DELAY_MS,
  MAX_RECONNECT_DELAY_MS,
  MAX_RESUME_ATTEMPTS,
} from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { type Logger, redactedMessage } from "../log.ts";
import { MessageTooLargeError } from "./bounded_read.ts";
import { readSseEvents, type SseEvent } from "./sse.ts";
import { sleep } from "../async.ts";

/** How many event ids per stream are remembered to drop replayed duplicates. */
const SEEN_EVENT_MEMORY = 10_000;

/** Waits between attempts; injected so tests run without real delays. */
export interface Scheduler {
  /** Resolves after `ms` milliseconds, rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The scheduler on real timers. */
export const REAL_SCHEDULER: Scheduler = { sleep };

/** The back-off before attempt `attempt` (1-based) when the server sent no `retry`. */
export function backoffDelay(attempt: number, baseMs = DEFAULT_RECONNECT_DELAY_MS): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_RECONNECT_DELAY_MS);
}

/** Where a stream stands: the last event id, the server's `retry`, and the ids seen. */
export interface StreamCursor {
  lastEventId?: string;
  retryMs?: number;
  seen: Set<string>;
}

/** A fresh cursor. */
export function createCursor(): StreamCursor {
  return { seen: new Set() };
}

/** What every stream reader needs. */
export interface StreamReaderOptions {
  /** Receives each event that is not a duplicate; a returned promise pauses the reading. */
  onEvent: (event: SseEvent) => Promise<void> | void;
  signal: AbortSignal;
  log: Logger;
  /** Waits between attempts; defaults to real timers. */
  scheduler?: Scheduler;
  /** Base back-off delay in ms when the server sent no `retry`. */
  reconnectDelayMs?: number;
  /** The largest single event accepted (see `readSseEvents`). */
  maxEventBytes?: number;
}

/**
 * Reads SSE records into `cursor` and `onEvent` until the stream ends, fails, or `isDone()`.
 * Resolves with whether any event arrived; a broken stream is logged, not thrown.
 */
export async function pumpSse(
  body: ReadableStream<Uint8Array>,
  cursor: StreamCursor,
  options: StreamReaderOptions & { isDone?: () => boolean },
): Promise<boolean> {
  let progressed = false;
  try {
    const reading = readSseEvents(body, {
      signal: options.signal,
      maxEventBytes: options.maxEventBytes,
    });
    for await (const record of reading) {
      if (record.type === "cursor") {
        if (record.id !== undefined) cursor.lastEventId = record.id;
        if (record.retry !== undefined) cursor.retryMs = record.retry;
        continue;
      }
      if (record.id !== undefined) {
        if (cursor.seen.has(record.id)) {
          options.log.debug("Skipping an SSE event that was already received");
          continue;
        }
        cursor.seen.add(record.id);
        if (cursor.seen.size > SEEN_EVENT_MEMORY) {
          cursor.seen.delete(cursor.seen.values().next().value!);
        }
        cursor.lastEventId = record.id;
      }
      progressed = true;
      await options.onEvent(record);
      if (options.isDone?.()) break;
    }
  } catch (error) {
    // An oversize message fails the request its stream carries; resuming would replay it.
    if (error instanceof MessageTooLargeError && !options.signal.aborted) throw error;
    if (!options.signal.aborted) {
      options.log.debug(`Stream interrupted: ${redactedMessage(error)}`);
    }
  }
  return progressed;
}

/** Options of {@link readResumableStream}. */
export interface ResumableStreamOptions extends StreamReaderOptions {
  /** The stream is complete (its response arrived). */
  isDone: () => boolean;
  /**
   * Opens the continuation after `lastEventId` (a GET with `Last-Event-ID`). Resolves with
   * undefined on a transient failure (tried again), rejects when the server refuses.
   */
  resume: (lastEventId: string) => Promise<ReadableStream<Uint8Array> | undefined>;
  /** Names the request in log lines. */
  label: string;
}

/**
 * Reads a request's response stream to the end, resuming it after each break until `isDone()`.
 * Fails with `stream_lost` when the server gave no event id to resume from, or after
 * {@link MAX_RESUME_ATTEMPTS} attempts in a row that brought nothing new.
 */
export async function readResumableStream(
  body: ReadableStream<Uint8Array> | undefined,
  options: ResumableStreamOptions,
): Promise<void> {
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const { signal } = options;
  const cursor = createCursor();
  let attempts = 0;
  while (true) {
    const progressed = body ? await pumpSse(body, cursor, options) : false;
    if (signal.aborted) throw signal.reason;
    if (options.isDone()) return;
    if (progressed) attempts = 0;
    if (cursor.lastEventId === undefined) {
      throw new BridgeError(
        "stream_lost",
        "Server closed the response stream before answering and gave no event id to resume from",
      );
    }
    attempts++;
    if (attempts > MAX_RESUME_ATTEMPTS) {
      throw new BridgeError(
        "stream_lost",
        `Cannot resume the response stream: no progress after ${MAX_RESUME_ATTEMPTS} attempts`,
      );
    }
    const wait = cursor.retryMs ?? backoffDelay(attempts, options.reconnectDelayMs);
    options.log.debug(`Response stream of ${options.label} ended early; resuming in ${wait} ms`);
    await scheduler.sleep(wait, signal);
    body = await options.resume(cursor.lastEventId);
  }
}

/** What opening the long-lived stream gave. */
export type StreamOpening =
  /** The stream is open. */
  | { kind: "open"; body: ReadableStream<Uint8Array> | undefined }
  /** A transient failure: back off and try again. */
  | { kind: "retry"; status?: number }
  /** Stop for good without an error (no such stream, or the session is being re-created). */
  | { kind: "stop" };

/** Options of {@link followStream}. */
export interface FollowStreamOptions extends StreamReaderOptions {
  /** Opens (or reopens after `lastEventId`) the stream; rejects on a fatal refusal. */
  open: (lastEventId: string | undefined) => Promise<StreamOpening>;
  /** Called once an opening succeeded (resets the caller's retry counters). */
  onOpen?: () => void;
}

/**
 * Keeps a long-lived stream (the GET stream) open until the signal aborts: reconnects at once
 * after a stream that brought events, backs off while it stays silent (or as the server's
 * `retry` says), and keeps trying after failed openings (unreachable, or a status worth
 * retrying, as while a proxy or the upstream restarts) with back-off capped at
 * `MAX_RECONNECT_DELAY_MS`. Only a fatal refusal, such as failed authorization, ends it.
 */
export async function followStream(options: FollowStreamOptions): Promise<void> {
  const scheduler = options.scheduler ?? REAL_SCHEDULER;
  const { signal, log } = options;
  const cursor = createCursor();
  let failures = 0;
  let quiet = 0;
  while (!signal.aborted) {
    let opening: StreamOpening;
    try {
      opening = await options.open(cursor.lastEventId);
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof BridgeError) || error.kind !== "unreachable") throw error;
      failures++;
      if (failures === MAX_RESUME_ATTEMPTS) log.warn(`${error.message}; still trying`);
      await scheduler.sleep(backoffDelay(failures, options.reconnectDelayMs), signal);
      continue;
    }
    if (opening.kind === "stop") return;
    if (opening.kind === "retry") {
      failures++;
      if (failures === MAX_RESUME_ATTEMPTS) {
        log.warn(`Server stream refused: HTTP ${opening.status}; still trying`);
      }
      await scheduler.sleep(backoffDelay(failures, options.reconnectDelayMs), signal);
      continue;
    }
    failures = 0;
    options.onOpen?.();
    let progressed = false;
    try {
      progressed = opening.body ? await pumpSse(opening.body, cursor, options) : false;
    } catch (error) {
      if (!(error instanceof MessageTooLargeError)) throw error;
      log.warn(`Server stream dropped: ${error.message}`);
    }
    if (signal.aborted) return;
    quiet = progressed ? 0 : quiet + 1;
    // The server's retry is a MUST; otherwise back off while the stream stays silent.
    const wait = cursor.retryMs ??
      (quiet === 0 ? 0 : backoffDelay(quiet, options.reconnectDelayMs));
    log.debug(`Server stream ended; reconnecting in ${wait} ms`);
    await scheduler.sleep(wait, signal);
  }
}
