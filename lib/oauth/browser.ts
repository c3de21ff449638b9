/**
 * Sending the user to the authorization page: validating the authorization URL (http/https
 * only, https unless loopback or --allow-http), launching `$BROWSER` or the platform opener with
 * an argument array (never a shell), and the waiting line on stderr. It never writes to stdout
 * and never reads stdin.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices
 * @module
 */

import { withDeadline } from "../async.ts";
import type { ProcessIo } from "../process_io.ts";
import { BridgeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { allowsPlainHttp } from "../net.ts";

/**
 * Checks an authorization endpoint from server metadata: a parseable http(s) URL without
 * credentials; plain http only for loopback hosts or with `allowHttp`.
 */
export function validateAuthorizationUrl(text: unknown, allowHttp: boolean): URL {
  const refuse = (why: string) =>
    new BridgeError("auth_failed", `Cannot sign in: authorization endpoint ${why}`, {
      hint: "The authorization server's metadata is unusable; contact the server's operator",
    });
  if (typeof text !== "string") throw refuse("is missing from the server metadata");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse("is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw refuse(`uses a forbidden scheme: "${url.protocol}"`);
  }
  if (url.username || url.password) throw refuse("contains credentials");
  if (!allowsPlainHttp(url, allowHttp)) {
    throw refuse(`uses plain HTTP to a remote host: "${url.host}"`);
  }
  return url;
}

/**
 * Splits a `$BROWSER` value into program and arguments on whitespace (no quoting), as many tools
 * do; a `%s` argument is replaced by the URL, else the URL is appended.
 */
export function formatBrowserCommand(browser: string, url: string): [string, string[]] {
  const words = browser.trim().split(/\s+/).filter(Boolean);
  const [program, ...rest] = words;
  const hasPlaceholder = rest.some((word) => word.includes("%s"));
  const args = hasPlaceholder ? rest.map((word) => word.replaceAll("%s", url)) : [...rest, url];
  return [program, args];
}

/** The platform's URL opener as program and arguments. */
export function platformOpener(os: string, url: string): [string, string[]] {
  if (os === "darwin") return ["open", [url]];
  if (os === "windows") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}

/** A launched browser process, waited for briefly at the end of the sign-in. */
export interface LaunchedBrowser {
  /** Waits up to `ms` for the opener to exit, then lets it run on unreferenced. */
  settle(ms: number): Promise<void>;
}

/** Options of {@link openBrowser}. */
export interface OpenBrowserOptions {
  env: Readonly<Record<string, string>>;
  log: Logger;
  os?: string;
}

/**
 * Launches `$BROWSER` (when set) or the platform opener for `url`, with no shell. Returns
 * undefined (after a warning) when nothing could be started; the URL is on stderr anyway.
 */
export function openBrowser(url: URL, options: OpenBrowserOptions): LaunchedBrowser | undefined {
  const browser = options.env.BROWSER?.trim();
  const [program, args] = browser
    ? formatBrowserCommand(browser, url.href)
    : platformOpener(options.os ?? Deno.build.os, url.href);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      // The environment the settings were resolved from (the process's own in the program).
      env: { ...options.env },
      clearEnv: true,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    const reason = error instanceof Error ? error.name : "error";
    options.log.warn(
      `Cannot open a browser: "${program}" could not be started (${reason}); open the URL above`,
    );
    return undefined;
  }
  const status = child.status.catch(() => undefined);
  return {
    async settle(ms) {
      const done = await withDeadline(status.then(() => true), { ms }).catch(() => false);
      if (!done) child.unref();
    },
  };
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A waiting line on stderr; stop it exactly once. */
export interface WaitingIndicator {
  stop(): void;
}

/**
 * Shows that the bridge waits for the browser: an updating spinner line when stderr is a
 * terminal, else one line now and one every 30 s.
 */
export function startWaitingIndicator(io: ProcessIo, timeoutMs: number): WaitingIndicator {
  const started = Date.now();
  const left = () => Math.max(0, Math.round((timeoutMs - (Date.now() - started)) / 1000));
  if (io.stderrIsTerminal) {
    let frame = 0;
    io.stderr(`${SPINNER[0]} Waiting for the sign-in to finish in the browser (${left()} s left)`);
    const timer = setInterval(() => {
      frame = (frame + 1) % SPINNER.length;
      io.stderr(
        `\x1b[1A\x1b[2K${
          SPINNER[frame]
        } Waiting for the sign-in to finish in the browser (${left()} s left)`,
      );
    }, 250);
    return { stop: () => clearInterval(timer) };
  }
  io.stderr(`Waiting for the sign-in to finish in the browser (${left()} s left)`);
  const timer = setInterval(() => {
    io.stderr(`Still waiting for the sign-in (${left()} s left)`);
  }, 30_000);
  return { stop: () => clearInterval(timer) };
}
