/**
 * Newline framing for the stdio leg: a pure splitter that turns decoded text chunks into lines,
 * and a parser that turns a line into a message or the error response owed for it. Serialization
 * for stdout keeps the sender's bytes when they already fit on one line (byte-for-byte relay) and
 * re-serializes otherwise. No I/O here.
 *
 * @module
 */

import {
  createInvalidRequestResponse,
  createParseErrorResponse,
  type JsonRpcErrorResponse,
  type JsonRpcMessage,
  validateMessage,
} from "./message.ts";

/** Splits a stream of text chunks into lines without the line terminator (`\n` or `\r\n`). */
export class LineSplitter {
  #pending: string[] = [];

  /** Feeds a chunk; returns the complete lines it finished. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    let index = chunk.indexOf("\n", start);
    while (index !== -1) {
      let piece = chunk.slice(start, index);
      if (this.#pending.length > 0) {
        this.#pending.push(piece);
        piece = this.#pending.join("");
        this.#pending = [];
      }
      lines.push(piece.endsWith("\r") ? piece.slice(0, -1) : piece);
      start = index + 1;
      index = chunk.indexOf("\n", start);
    }
    if (start < chunk.length) this.#pending.push(chunk.slice(start));
    return lines;
  }

  /** Returns the unterminated last line, if any, at end of input. */
  flush(): string | undefined {
    if (this.#pending.length === 0) return undefined;
    const rest = this.#pending.join("");
    this.#pending = [];
    return rest.endsWith("\r") ? rest.slice(0, -1) : rest;
  }
}

/** What one input line holds. */
export type ParsedLine =
  | { kind: "empty" }
  | { kind: "message"; message: JsonRpcMessage; raw: string }
  | { kind: "batch"; messages: JsonRpcMessage[]; errors: JsonRpcErrorResponse[] }
  | { kind: "invalid"; response: JsonRpcErrorResponse };

/** Parses one stdin line. Arrays (2025-03-26 batches) are split into their messages. */
export function parseLine(line: string): ParsedLine {
  const text = line.trim();
  if (text === "") return { kind: "empty" };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : "invalid JSON";
    return { kind: "invalid", response: createParseErrorResponse(detail) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return {
        kind: "invalid",
        response: createInvalidRequestResponse(null, "empty batch"),
      };
    }
    const messages: JsonRpcMessage[] = [];
    const errors: JsonRpcErrorResponse[] = [];
    for (const item of value) {
      const checked = validateMessage(item);
      if (checked.ok) messages.push(checked.message);
      else errors.push(createInvalidRequestResponse(checked.id, checked.reason));
    }
    return { kind: "batch", messages, errors };
  }
  const checked = validateMessage(value);
  if (!checked.ok) {
    return { kind: "invalid", response: createInvalidRequestResponse(checked.id, checked.reason) };
  }
  return { kind: "message", message: checked.message, raw: text };
}

/**
 * The single line to write for a message: the sender's own text when it has no line break,
 * else a fresh serialization. Never contains a newline.
 */
export function formatLine(message: JsonRpcMessage | unknown, raw?: string): string {
  if (raw !== undefined && raw.indexOf("\n") === -1 && raw.indexOf("\r") === -1) return raw;
  return JSON.stringify(message);
}
