/**
 * An in-memory cookie jar for `--cookies`: keeps what servers set with `Set-Cookie` and returns
 * the `Cookie` header for a later request, so load balancers that pin a session with a cookie
 * keep sending the bridge to the same backend. A subset of RFC 6265 enough for that: host-only
 * and `Domain` cookies, `Path`, `Secure`, `Max-Age` and `Expires`. Pure: the current time is
 * passed in, nothing is persisted and no cookie value is ever logged.
 *
 * @module
 * @see https://www.rfc-editor.org/rfc/rfc6265#section-5
 */

interface StoredCookie {
  name: string;
  value: string;
  /** Lower-cased host (host-only) or domain (with `domainMatch`). */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** Expiry in ms since the epoch; undefined for a session cookie. */
  expiresAt?: number;
}

/** The default path of a cookie set by a response to `url` (RFC 6265 §5.1.4). */
export function defaultCookiePath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith("/")) return "/";
  const last = path.lastIndexOf("/");
  return last <= 0 ? "/" : path.slice(0, last);
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^[\d.]+$|:/.test(host));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/** A cookie jar; create one per process with {@link createCookieJar}. */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  /** How many cookies are stored (expired ones included until the next lookup). */
  get size(): number {
    return this.#cookies.length;
  }

  /** Stores the cookies of `setCookies` (one `Set-Cookie` value each) sent for `url`. */
  store(url: URL, setCookies: readonly string[], now: number): void {
    for (const line of setCookies) this.#storeOne(url, line, now);
  }

  #storeOne(url: URL, line: string, now: number): void {
    const [pair, ...attributes] = line.split(";");
    const equals = pair.indexOf("=");
    if (equals <= 0) return;
    const name = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    if (name === "") return;
    const host = url.hostname.toLowerCase();
    const cookie: StoredCookie = {
      name,
      value,
      domain: host,
      hostOnly: true,
      path: defaultCookiePath(url),
      secure: false,
    };
    let maxAgeSeen = false;
    for (const attribute of attributes) {
      const at = attribute.indexOf("=");
      const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const arg = at === -1 ? "" : attribute.slice(at + 1).trim();
      if (key === "domain" && arg !== "") {
        const domain = arg.replace(/^\./, "").toLowerCase();
        if (!domainMatches(host, domain)) return; // a server may not set another site's cookie
        cookie.domain = domain;
        cookie.hostOnly = domain === host;
      } else if (key === "path" && arg.startsWith("/")) {
        cookie.path = arg;
      } else if (key === "secure") {
        cookie.secure = true;
      } else if (key === "max-age" && /^-?\d+$/.test(arg)) {
        maxAgeSeen = true;
        const seconds = Number(arg);
        cookie.expiresAt = seconds <= 0 ? 0 : now + seconds * 1000;
      } else if (key === "expires" && !maxAgeSeen) {
        const time = Date.parse(arg);
        if (!Number.isNaN(time)) cookie.expiresAt = time;
      }
    }
    this.#cookies = this.#cookies.filter((c) =>
      !(c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path)
    );
    if (cookie.expiresAt === undefined || cookie.expiresAt > now) this.#cookies.push(cookie);
  }

  /** The `Cookie` header value for a request to `url`, or undefined when none applies. */
  header(url: URL, now: number): string | undefined {
    this.#cookies = this.#cookies.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
    const host = url.hostname.toLowerCase();
    const secure = url.protocol === "https:";
    const matching = this.#cookies
      .filter((c) => c.hostOnly ? c.domain === host : domainMatches(host, c.domain))
      .filter((c) => pathMatches(url.pathname || "/", c.path))
      .filter((c) => !c.secure || secure)
      .sort((a, b) => b.path.length - a.path.length);
    if (matching.length === 0) return undefined;
    return matching.map((c) => `${c.name}=${c.value}`).join("; ");
  }
}

/** Creates an empty cookie jar. */
export function createCookieJar(): CookieJar {
  return new CookieJar();
}
