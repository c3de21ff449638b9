/**
 * The one loopback rule of the program: which hosts are this machine, and so where plain HTTP may
 * carry a bearer token without `--allow-http`. Loopback means the literal IPv4 addresses
 * 127.0.0.0/8, the IPv6 address ::1 and the name `localhost`; nothing else (not `localhost.`,
 * not `*.localhost`, not a name that merely starts with `127.`), because a name is resolved by
 * whatever DNS the machine uses. Pure; no lookups.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-8.3
 * @see https://www.rfc-editor.org/rfc/rfc6890
 * @module
 */

const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Whether `host` (a URL's `hostname`, bracketed IPv6 allowed) is a loopback address or the name
 * `localhost`. Hosts taken from a WHATWG `URL` are already canonical (`127.1` reads as
 * `127.0.0.1`, `[0:0::1]` as `[::1]`).
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  if (name === "localhost" || name === "::1" || name === "[::1]") return true;
  const match = IPV4_LOOPBACK.exec(name);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

/**
 * Whether `url` may be used without TLS: https always; plain http only to a loopback host, or
 * to any host when the user passed `--allow-http` (`allowHttp`). Other schemes never.
 */
export function allowsPlainHttp(url: URL, allowHttp = false): boolean {
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && (allowHttp || isLoopbackHost(url.hostname));
}
