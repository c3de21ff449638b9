/**
 * Sending the user to the authorization page: validating the authorization URL (http/https
 * only, https unless loopback or --allow-http), launching `$BROWSER` or the platform opener with
 * an argument array (never a shell, trying the usual openers in turn), and the waiting line on stderr. It never writes to stdout
 * and never reads stdin.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/security_best_practices
 * @module
 */

import { withDeadline } from "../async.ts";
import { createStatusLine, startSpinner } from "../status_line.ts";
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

/**
 * The platform's URL openers as program and arguments, in the order they are tried: `open` on
 * macOS, the URL handler on Windows; elsewhere `xdg-open`, then `gio open`, `sensible-browser`,
 * `x-www-browser` and `wslview` (first under WSL, where it opens the Windows browser).
 */
export function platformOpeners(
  os: string,
  url: string,
  env: Readonly<Record<string, string>> = {},
): Array<[string, string[]]> {
  if (os === "darwin") return [["open", [url]]];
  if (os === "windows") return [["rundll32", ["url.dll,FileProtocolHandler", url]]];
  const unix: Array<[string, string[]]> = [
    ["xdg-open", [url]],
    ["gio", ["open", url]],
    ["sensible-browser", [url]],
    ["x-www-browser", [url]],
  ];
  const wsl = Boolean(env.WSL_DISTRO_NAME || env.WSL_INTEROP);
  return wsl ? [["wslview", [url]], ...unix] : [...unix, ["wslview", [url]]];
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
 * Launches `$BROWSER` (when set) or the first platform opener that can be started for `url`,
 * with no shell. Returns undefined (after a warning) when nothing could be started; the URL is on
 * stderr anyway.
 */
export function openBrowser(url: URL, options: OpenBrowserOptions): LaunchedBrowser | undefined {
  const browser = options.env.BROWSER?.trim();
  const candidates = browser
    ? [formatBrowserCommand(browser, url.href)]
    : platformOpeners(options.os ?? Deno.build.os, url.href, options.env);
  for (const [program, args] of candidates) {
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
      options.log.debug(`Cannot start "${program}" to open the browser (${reason})`);
      continue;
    }
    const status = child.status.catch(() => undefined);
    return {
      async settle(ms) {
        const done = await withDeadline(status.then(() => true), { ms }).catch(() => false);
        if (!done) child.unref();
      },
    };
  }
  const names = candidates.map(([program]) => `"${program}"`).join(", ");
  options.log.warn(`Cannot open a browser: none of ${names} could be started; open the URL above`);
  return undefined;
}

/** A waiting line on stderr; stop it exactly once. */
export interface WaitingIndicator {
  stop(): void;
}

/**
 * Shows that the bridge waits for the browser: a spinner line updated in place when stderr is a
 * terminal, removed when the wait ends, else one line now and one every 30 s.
 */
export function startWaitingIndicator(io: ProcessIo, timeoutMs: number): WaitingIndicator {
  const started = Date.now();
  const left = () => Math.max(0, Math.round((timeoutMs - (Date.now() - started)) / 1000));
  if (io.stderrIsTerminal) {
    const spinner = startSpinner({
      line: createStatusLine(io.stderr),
      text: () => `Waiting for the sign-in to finish in the browser (${left()} s left)`,
      delayMs: 0,
      intervalMs: 250,
      showElapsed: false,
    });
    return { stop: () => spinner.stop() };
  }
  io.stderr(`Waiting for the sign-in to finish in the browser (${left()} s left)`);
  const timer = setInterval(() => {
    io.stderr(`Still waiting for the sign-in (${left()} s left)`);
  }, 30_000);
  return { stop: () => clearInterval(timer) };
}
