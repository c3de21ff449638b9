/**
 * Paste-the-redirect, for a terminal without a browser: the person opens the printed URL on any
 * machine, signs in, and the browser ends on the loopback redirect URI (a page that may not
 * load there); they paste that page's address, or only its `code`, on this terminal. The pasted
 * text becomes the callback URL the loopback server would have received, so the flow runs the
 * same `state` and RFC 9207 `iss` checks (oauth4webapi `validateAuthResponse`) on it. Reads the
 * controlling terminal only, never stdin (JSON-RPC in proxy mode).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9207
 * @module
 */

import type { ProcessIo } from "../process_io.ts";

/** The outcome of reading one pasted line. Pure. */
export type PastedRedirect =
  | { kind: "callback"; url: URL }
  | { kind: "invalid"; reason: string };

/** Options of {@link parsePastedRedirect}. */
export interface PasteContext {
  /** The redirect URI the authorization request named. */
  redirectUri: string;
  /** The `state` of the authorization request. */
  state: string;
  /** The authorization server sends `iss` with its responses (a bare code lacks it). */
  issRequired: boolean;
}

/**
 * Turns a pasted line into the callback URL: the redirected address as it is (its `state` and
 * `iss` are checked later, like the loopback's), or a bare code, which gets the request's own
 * `state`. A bare code is refused when the server sends `iss`, since it cannot be checked.
 */
export function parsePastedRedirect(text: string, context: PasteContext): PastedRedirect {
  const line = text.trim();
  if (line === "") return { kind: "invalid", reason: "nothing was pasted" };
  if (/^https?:\/\//i.test(line)) {
    let url: URL;
    try {
      url = new URL(line);
    } catch {
      return { kind: "invalid", reason: "the pasted address is not a valid URL" };
    }
    const params = url.searchParams;
    if (!params.has("code") && !params.has("error")) {
      return {
        kind: "invalid",
        reason: "the pasted address has no code: paste the address the sign-in ended on",
      };
    }
    if (params.get("state") !== context.state) {
      return {
        kind: "invalid",
        reason: "the pasted address belongs to another sign-in (its state does not match)",
      };
    }
    return { kind: "callback", url };
  }
  if (/\s/.test(line)) return { kind: "invalid", reason: "a code has no spaces" };
  if (context.issRequired) {
    return {
      kind: "invalid",
      reason: "this server signs its answer (iss): paste the whole address, not only the code",
    };
  }
  const url = new URL(context.redirectUri);
  url.searchParams.set("code", line);
  url.searchParams.set("state", context.state);
  return { kind: "callback", url };
}

/** A reader of one line from the controlling terminal; undefined on abort or end of input. */
export type TerminalReader = (prompt: string, signal: AbortSignal) => Promise<string | undefined>;

/**
 * Asks on the terminal until a usable redirect is pasted; resolves undefined when the terminal
 * closes or `signal` aborts (the loopback callback won, or the sign-in was given up).
 */
export async function readPastedRedirect(
  io: Pick<ProcessIo, "stderr">,
  read: TerminalReader,
  context: PasteContext,
  signal: AbortSignal,
): Promise<URL | undefined> {
  for (;;) {
    const text = await read("Paste the address the browser ended on (or the code): ", signal);
    if (text === undefined || signal.aborted) return undefined;
    const pasted = parsePastedRedirect(text, context);
    if (pasted.kind === "callback") return pasted.url;
    io.stderr(`Cannot use that: ${pasted.reason}`);
  }
}
