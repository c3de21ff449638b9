/**
 * Reading a server's message with a size limit: a JSON body is read chunk by chunk and refused
 * as soon as it passes the limit (a declared `Content-Length` above it is refused before reading),
 * and the error for an oversize message is built in one place for bodies and SSE events alike.
 * It keeps no state and never puts any of the body into an error.
 *
 * @module
 */

import { MAX_MESSAGE_BYTES } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { redactedMessage } from "../log.ts";

/** Thrown when one message from the server is larger than the limit. */
export class MessageTooLargeError extends BridgeError {
  /** The limit that was exceeded, in bytes. */
  readonly limitBytes: number;

  constructor(limitBytes: number) {
    super("protocol", `Server sent a message larger than the limit of ${formatBytes(limitBytes)}`, {
      hint: "The server's answer was dropped; ask it for less data per message",
      details: { limitBytes },
    });
    this.name = "MessageTooLargeError";
    this.limitBytes = limitBytes;
  }
}

/** A byte count in the largest binary unit that keeps it whole or to one decimal. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${text} ${units[unit]}`;
}

/** The longest declared body read in one go rather than chunk by chunk. */
const ONE_READ_BYTES = 256 * 1024;

/** What a broken body read becomes: the signal's reason after an abort, else `stream_lost`. */
function readFailure(error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return signal.reason;
  return new BridgeError(
    "stream_lost",
    `Connection broke while reading the server's answer: ${redactedMessage(error)}`,
    { cause: error },
  );
}

/**
 * Reads `response`'s body as UTF-8 text, refusing more than `maxBytes`
 * ({@link MessageTooLargeError}, the body is cancelled). A broken connection becomes a
 * `stream_lost` BridgeError; an abort rethrows the signal's reason.
 */
export async function readBodyText(
  response: Response,
  options: { maxBytes?: number; signal?: AbortSignal } = {},
): Promise<string> {
  const maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
  const body = response.body;
  if (!body) return "";
  const length = response.headers.get("content-length");
  const declared = length === null ? NaN : Number(length);
  if (declared > maxBytes) {
    await body.cancel().catch(() => {});
    throw new MessageTooLargeError(maxBytes);
  }
  if (declared <= ONE_READ_BYTES) {
    // A short declared length: HTTP framing ends the body there, so it can be read in one go
    // (one native read instead of one per chunk). Longer bodies are read chunk by chunk, which
    // holds less memory at once than the growing buffer of a whole-body read.
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw readFailure(error, options.signal);
    }
    // Counted again for a body that did not come over HTTP (a custom fetch): never more.
    if (text.length > maxBytes) throw new MessageTooLargeError(maxBytes);
    return text;
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new MessageTooLargeError(maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof MessageTooLargeError) throw error;
    throw readFailure(error, options.signal);
  }
  // The body is fully read: no releaseLock (it would build an error object per response).
  if (chunks.length === 1) return new TextDecoder().decode(chunks[0]);
  const whole = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(whole);
}
