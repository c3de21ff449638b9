/**
 * Shell-style splitting of the `-c 'TOOL ARGS'` and `--get-prompt 'NAME ARGS'` text into the
 * name and its words, as a POSIX shell would without expansions. Pure: no I/O; unterminated
 * quotes are thrown as `usage` BridgeErrors.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";

function usage(message: string, hint: string): BridgeError {
  return new BridgeError("usage", message, { hint });
}

/** A word of the argument text after shell-style splitting. */
export interface ArgumentWord {
  /** The word with quotes and escapes removed. */
  text: string;
  /** For `key=value` words (key unquoted and a plain name): the key. */
  key?: string;
  /** For `key=value` words: the value, quotes removed. */
  value?: string;
}

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

/** Splits `NAME rest` at the first whitespace; the name must not be empty. */
export function splitCommand(text: string): { name: string; rest: string } {
  const trimmed = text.trim();
  const match = trimmed.match(/^(\S+)(?:\s+([\s\S]*))?$/);
  if (!match) {
    throw usage("Missing tool name", "Give the tool and its arguments: -c 'echo message=hi'");
  }
  return { name: match[1], rest: (match[2] ?? "").trim() };
}

/**
 * Splits `text` into words like a POSIX shell without expansions: whitespace separates, single
 * quotes keep everything literally, double quotes group and honour `\"`, `\\`, `\$` and `` \` ``,
 * a backslash outside quotes escapes the next character. Each word remembers whether it is an
 * unquoted `key=value`.
 */
export function splitWords(text: string): ArgumentWord[] {
  const words: ArgumentWord[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let current = "";
    let quoted = false;
    let keyEnd = -1;
    while (i < text.length && !/\s/.test(text[i])) {
      const char = text[i];
      if (char === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) throw unterminated("'");
        current += text.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else if (char === '"') {
        i++;
        let closedQuote = false;
        while (i < text.length) {
          const inner = text[i];
          if (inner === '"') {
            closedQuote = true;
            i++;
            break;
          }
          if (inner === "\\" && i + 1 < text.length && /["\\$`]/.test(text[i + 1])) {
            current += text[i + 1];
            i += 2;
          } else {
            current += inner;
            i++;
          }
        }
        if (!closedQuote) throw unterminated('"');
        quoted = true;
      } else if (char === "\\" && i + 1 < text.length) {
        current += text[i + 1];
        quoted = true;
        i += 2;
      } else {
        if (char === "=" && keyEnd < 0 && !quoted && KEY_PATTERN.test(current)) {
          keyEnd = current.length;
        }
        current += char;
        i++;
      }
    }
    words.push(
      keyEnd >= 0
        ? { text: current, key: current.slice(0, keyEnd), value: current.slice(keyEnd + 1) }
        : { text: current },
    );
  }
  return words;
}

function unterminated(quote: string): BridgeError {
  return usage(
    `Unterminated quote in arguments: ${quote}`,
    `Close the quote, e.g. message='Hello World'`,
  );
}
