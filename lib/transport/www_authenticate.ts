/**
 * A parser for the `WWW-Authenticate` header (RFC 9110 §11.6.1): a list of challenges, each an
 * auth scheme with either a token68 or comma-separated `name=value` parameters whose values are
 * tokens or quoted strings. Pure and lenient: it never throws and returns what it could read.
 * It does no I/O and knows nothing about OAuth; the transport and the OAuth code both use it.
 *
 * @module
 */

import type { AuthChallenge } from "./types.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;
const PARAM_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=/;

/** Key under which a challenge's token68 is stored in {@link AuthChallenge.params}. */
export const TOKEN68_PARAM = "token68";

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  get rest(): string {
    return this.text.slice(this.pos);
  }
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? "";
  }
  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }
  skipSpacesAndCommas(): void {
    while (this.peek() === " " || this.peek() === "\t" || this.peek() === ",") this.pos++;
  }
  match(pattern: RegExp): string | undefined {
    const found = pattern.exec(this.rest);
    if (!found) return undefined;
    this.pos += found[0].length;
    return found[0];
  }
  /** Reads a quoted-string starting at the opening quote; an unterminated one runs to the end. */
  quoted(): string {
    this.pos++;
    let value = "";
    while (!this.done) {
      const char = this.text[this.pos++];
      if (char === '"') return value;
      if (char === "\\" && !this.done) value += this.text[this.pos++];
      else value += char;
    }
    return value;
  }
  /** Skips to just after the next comma outside a quoted string. */
  skipItem(): void {
    while (!this.done) {
      const char = this.peek();
      if (char === '"') this.quoted();
      else {
        this.pos++;
        if (char === ",") return;
      }
    }
  }
}

function readParams(cursor: Cursor, params: Record<string, string>): void {
  while (!cursor.done) {
    cursor.skipSpacesAndCommas();
    if (!PARAM_START.test(cursor.rest)) return;
    const name = cursor.match(TOKEN)!.toLowerCase();
    cursor.skipSpaces();
    cursor.pos++; // "="
    cursor.skipSpaces();
    let value: string | undefined;
    if (cursor.peek() === '"') value = cursor.quoted();
    else value = cursor.match(TOKEN);
    if (value === undefined) {
      cursor.skipItem();
      continue;
    }
    if (!(name in params)) params[name] = value;
    cursor.skipSpaces();
    if (!cursor.done && cursor.peek() !== ",") cursor.skipItem();
  }
}

/**
 * Parses a `WWW-Authenticate` header value into its challenges. Scheme and parameter names are
 * lower-cased; quoted values are unescaped; a token68 is stored as the `token68` parameter.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  if (!header) return challenges;
  const cursor = new Cursor(header);
  while (!cursor.done) {
    cursor.skipSpacesAndCommas();
    if (cursor.done) break;
    const scheme = cursor.match(TOKEN);
    if (!scheme) {
      cursor.skipItem();
      continue;
    }
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    const hadSpace = cursor.peek() === " " || cursor.peek() === "\t";
    cursor.skipSpaces();
    if (!hadSpace || cursor.done || cursor.peek() === ",") continue;
    if (!PARAM_START.test(cursor.rest) || isToken68Item(cursor.rest)) {
      const token68 = cursor.match(TOKEN68);
      if (token68 !== undefined) {
        challenge.params[TOKEN68_PARAM] = token68;
        cursor.skipSpaces();
        if (!cursor.done && cursor.peek() !== ",") cursor.skipItem();
        continue;
      }
    }
    readParams(cursor, challenge.params);
  }
  return challenges;
}

/** Whether `text` starts with a token68 that makes up the whole list item (`abc==` then `,`). */
function isToken68Item(text: string): boolean {
  const found = TOKEN68.exec(text);
  if (!found) return false;
  const after = text.slice(found[0].length).replace(/^[ \t]+/, "");
  return after === "" || after.startsWith(",");
}

/** The first challenge with the given scheme (case-insensitive), if any. */
export function findChallenge(
  challenges: readonly AuthChallenge[],
  scheme: string,
): AuthChallenge | undefined {
  const wanted = scheme.toLowerCase();
  return challenges.find((challenge) => challenge.scheme === wanted);
}
