/**
 * How an interactive sign-in reaches the person: the browser on this machine with a loopback
 * callback, the device flow (RFC 8628: a code entered on any other device), or the
 * paste-the-redirect flow (the URL opened anywhere, the page the browser ends on pasted back on
 * this terminal). Pure: the facts about the host are passed in.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 * @module
 */

/** The way an interactive sign-in runs. */
export type SignInMethod = "browser" | "device" | "paste";

/** What {@link chooseSignInMethod} decides from. */
export interface SignInFacts {
  /** `--device-code` was given. */
  deviceCodeRequested: boolean;
  /** The authorization server has a `device_authorization_endpoint`. */
  deviceSupported: boolean;
  /** A browser can be opened on this machine (see {@link detectBrowser}). */
  hasBrowser: boolean;
  /** A person sees stderr and can type on the controlling terminal. */
  hasTerminal: boolean;
}

/**
 * `--device-code` wins; with a browser, the browser; on a terminal without one (SSH, a
 * container), the device flow when the server offers it, else paste-the-redirect; otherwise the
 * browser flow, which prints the URL and waits on the loopback callback.
 */
export function chooseSignInMethod(facts: SignInFacts): SignInMethod {
  if (facts.deviceCodeRequested) return "device";
  if (facts.hasBrowser || !facts.hasTerminal) return "browser";
  return facts.deviceSupported ? "device" : "paste";
}

/**
 * Whether a browser can be opened here: `$BROWSER` is set, the OS is macOS or Windows, the
 * process runs under WSL (the Windows browser), or a graphical session is present (`DISPLAY`,
 * `WAYLAND_DISPLAY`).
 */
export function detectBrowser(env: Readonly<Record<string, string>>, os: string): boolean {
  if (env.BROWSER?.trim()) return true;
  if (os === "darwin" || os === "windows") return true;
  if (env.WSL_DISTRO_NAME || env.WSL_INTEROP) return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}
