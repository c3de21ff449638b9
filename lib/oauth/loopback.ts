/**
 * The loopback redirect receiver (RFC 8252 §7.3): the stable per-server callback port, the
 * redirect URI, and a one-shot HTTP server on 127.0.0.1 that accepts exactly one callback on
 * `/callback` carrying the expected `state`, answers the browser with a short page and closes.
 * It validates nothing else of the response (oauth4webapi does that afterwards).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @module
 */

import { canonicalServerUrl } from "../config/state_path.ts";
import { CALLBACK_PORT_BASE, CALLBACK_PORT_SPAN } from "../constants.ts";
import { BridgeError } from "../errors.ts";

/** Path of the redirect URI. */
export const CALLBACK_PATH = "/callback";

/** The stable callback port of a server: a hash of its canonical URL mapped into the range. */
export async function defaultCallbackPort(serverUrl: URL): Promise<number> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(canonicalServerUrl(serverUrl)),
  );
  const value = new DataView(digest).getUint32(0);
  return CALLBACK_PORT_BASE + (value % CALLBACK_PORT_SPAN);
}

/** The redirect URI for `host` and `port`. */
export function formatRedirectUri(host: string, port: number): string {
  return `http://${host}:${port}${CALLBACK_PATH}`;
}

/** The port of a stored loopback redirect URI, when it is one of ours. */
export function parseRedirectPort(redirectUri: string | undefined): number | undefined {
  if (!redirectUri) return undefined;
  try {
    const url = new URL(redirectUri);
    if (url.protocol !== "http:" || url.pathname !== CALLBACK_PATH || !url.port) return undefined;
    if (url.hostname !== "127.0.0.1" && url.hostname !== "localhost") return undefined;
    return Number(url.port);
  } catch {
    return undefined;
  }
}

/** A running callback receiver. */
export interface CallbackServer extends AsyncDisposable {
  /** The port it listens on. */
  readonly port: number;
  /** Resolves with the full callback URL once the one valid callback arrived. */
  readonly callback: Promise<URL>;
  /** Stops listening (idempotent). */
  close(): Promise<void>;
}

/** Options of {@link startCallbackServer}. */
export interface CallbackServerOptions {
  port: number;
  /** The `state` a valid callback must carry. */
  state: string;
  /** Program name shown on the page. */
  title?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, message: string, status = 200): Response {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${
    escapeHtml(title)
  }</title></head><body style="font-family:sans-serif;margin:3em"><h1>${escapeHtml(title)}</h1><p>${
    escapeHtml(message)
  }</p></body></html>`;
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  });
}

/** Starts the receiver on 127.0.0.1:`port`; rejects with a config error when the port is taken. */
export function startCallbackServer(options: CallbackServerOptions): CallbackServer {
  const title = options.title ?? "mcp-streamablehttp-client";
  let accept!: (url: URL) => void;
  let fail!: (error: Error) => void;
  const callback = new Promise<URL>((resolve, reject) => {
    accept = resolve;
    fail = reject;
  });
  callback.catch(() => {});
  let done = false;
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port: options.port,
      onListen: () => {},
    }, (request) => {
      const url = new URL(request.url);
      if (request.method !== "GET" || url.pathname !== CALLBACK_PATH) {
        return new Response("Not found", { status: 404 });
      }
      if (done) return page(title, "This sign-in has already finished.", 410);
      if (url.searchParams.get("state") !== options.state) {
        return page(title, "This link does not belong to the sign-in in progress.", 400);
      }
      done = true;
      accept(url);
      const error = url.searchParams.get("error");
      return error
        ? page(title, `Sign-in did not succeed (${error}). You can close this window.`)
        : page(title, "Sign-in received. You can close this window and return to the terminal.");
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new BridgeError(
        "config",
        `Cannot listen for the sign-in callback: port ${options.port} on 127.0.0.1 is in use`,
        { hint: "Pass --callback-port with a free port (and register its redirect URI)" },
      );
    }
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = () => {
    if (!closed) {
      if (!done) fail(new Error("Callback server closed"));
      closed = server.shutdown();
    }
    return closed;
  };
  return { port: server.addr.port, callback, close, [Symbol.asyncDispose]: close };
}
