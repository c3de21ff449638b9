/**
 * Builds the fetch used for every request to the MCP server and the authorization server. With
 * a custom CA file (`--cert`, `MCP_CLIENT_CA_FILE`) it uses `Deno.createHttpClient({ caCerts })`,
 * which trusts those certificates in addition to the default roots; otherwise it is the global
 * fetch. Proxies need nothing here: Deno's fetch, including one with a custom client, honours
 * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (checked with Deno 2.9.6 against a local proxy:
 * a custom client sent the request through `HTTP_PROXY` and bypassed it for a `NO_PROXY`
 * host), so the bridge does not parse those variables itself. Reads only the CA file.
 *
 * Every request goes through one guard: redirects are followed by hand (`redirect: "manual"`),
 * hop by hop, only while they stay on the origin of the first URL, so `--header` values, tokens
 * and request bodies never reach another origin; a redirect elsewhere is refused with an error.
 * With `--cookies` the same guard keeps an in-memory cookie jar.
 *
 * @module
 * @see https://fetch.spec.whatwg.org/#http-redirect-fetch
 */
import { MAX_REDIRECTS } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { type CookieJar, createCookieJar } from "./cookie_jar.ts";
import { discard } from "./discard.ts";

/** A fetch that may own an HTTP client; `close` releases it (a no-op for the global fetch). */
export type HttpFetch = typeof fetch & { close(): void };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** Reads a PEM file with one or more CA certificates; throws a config BridgeError if unusable. */
export async function readCaFile(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "file not found"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : "unreadable";
    throw new BridgeError("config", `Cannot read the CA certificate file "${path}": ${reason}`, {
      hint: "Point --cert or MCP_CLIENT_CA_FILE at a readable PEM file",
      cause: error,
    });
  }
  if (!PEM_CERTIFICATE.test(pem)) {
    throw new BridgeError("config", `CA certificate file holds no PEM certificate: "${path}"`, {
      hint: "The file must contain -----BEGIN CERTIFICATE----- blocks",
    });
  }
  return pem;
}

/** Options of {@link createGuardedFetch}. */
export interface GuardOptions {
  /** How many same-origin redirects one request may follow. */
  maxRedirects?: number;
  /** Keep cookies across requests (`--cookies`). */
  cookieJar?: CookieJar;
  /** The current time in ms, for cookie expiry. */
  now?: () => number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function redirectRefused(from: URL, to: URL, status: number): BridgeError {
  return new BridgeError(
    "http_error",
    `Refusing to follow a redirect from "${from.origin}" to another origin: "${to.origin}"`,
    {
      status,
      hint: "Headers, tokens and request bodies are only sent to the origin they were meant " +
        "for; use the final URL as the server URL",
    },
  );
}

/**
 * Wraps `base` so redirects are followed only within the first URL's origin, each hop checked
 * with `redirect: "manual"` (303, and 301/302 after POST, continue as GET without the body),
 * and, with a jar, cookies are stored and sent. Whatever `redirect` mode the caller asks for
 * (oauth4webapi asks for `manual`), a same-origin redirect is followed and a cross-origin one
 * rejects with an `http_error` BridgeError.
 */
export function createGuardedFetch(base: typeof fetch, options: GuardOptions = {}): typeof fetch {
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  const jar = options.cookieJar;
  const now = options.now ?? Date.now;
  return async (input: string | URL | Request, init: RequestInit = {}) => {
    if (input instanceof Request) {
      const { method, headers, body, signal } = input;
      init = { method, headers, body, signal, ...init };
      input = input.url;
    }
    // The caller's URL and headers are passed on as they are (building a URL and a Headers
    // object per request shows in the CPU profile); they are copied before anything changes.
    const first = input instanceof URL ? input : new URL(input);
    let url = first;
    let method = (init.method ?? "GET").toUpperCase();
    let body = init.body;
    let headers: HeadersInit | undefined = init.headers;
    const callerCookie = jar ? new Headers(init.headers).get("cookie") : null;
    for (let hop = 0;; hop++) {
      if (jar) {
        const fromJar = jar.header(url, now());
        const cookie = [callerCookie, fromJar].filter(Boolean).join("; ");
        const withCookie = new Headers(headers);
        if (cookie) withCookie.set("cookie", cookie);
        else withCookie.delete("cookie");
        headers = withCookie;
      }
      const response = await base(url, { ...init, method, headers, body, redirect: "manual" });
      if (jar) jar.store(url, response.headers.getSetCookie(), now());
      const location = response.headers.get("location");
      if (!REDIRECT_STATUSES.has(response.status) || location === null) return response;
      await discard(response);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new BridgeError("protocol", "Server sent a redirect to an invalid URL", {
          status: response.status,
        });
      }
      if (next.origin !== first.origin) throw redirectRefused(first, next, response.status);
      if (init.redirect === "error") {
        throw new BridgeError(
          "http_error",
          `Server redirected the request: HTTP ${response.status}`,
          {
            status: response.status,
          },
        );
      }
      if (hop >= maxRedirects) {
        throw new BridgeError("http_error", `Too many redirects (more than ${maxRedirects})`, {
          status: response.status,
        });
      }
      const toGet = response.status === 303 ? method !== "HEAD" : (response.status === 301 ||
        response.status === 302) && method === "POST";
      if (toGet) {
        method = "GET";
        body = undefined;
        const withoutBody = new Headers(headers);
        for (const name of ["content-type", "content-length", "content-encoding"]) {
          withoutBody.delete(name);
        }
        headers = withoutBody;
      } else if (body instanceof ReadableStream) {
        throw new BridgeError("http_error", "Cannot replay a streamed request body on a redirect", {
          status: response.status,
        });
      }
      url = next;
    }
  };
}

/** Options of {@link createHttpFetch}. */
export interface HttpFetchOptions {
  /** PEM file with extra CA certificates (`--cert`, `MCP_CLIENT_CA_FILE`). */
  caFile?: string;
  /** Keep an in-memory cookie jar (`--cookies`, `MCP_CLIENT_COOKIES`). */
  cookies?: boolean;
}

/**
 * Returns the fetch to use: with the custom CA when `caFile` is set, the same-origin redirect
 * guard always, and a cookie jar with `cookies`.
 */
export async function createHttpFetch(options: HttpFetchOptions = {}): Promise<HttpFetch> {
  const cookieJar = options.cookies ? createCookieJar() : undefined;
  if (!options.caFile) {
    const guarded = createGuardedFetch(globalThis.fetch.bind(globalThis), { cookieJar });
    return Object.assign(guarded, { close() {} });
  }
  const pem = await readCaFile(options.caFile);
  const client = Deno.createHttpClient({ caCerts: [pem] });
  const customFetch = (input: string | URL | Request, init?: RequestInit) =>
    fetch(input, { ...init, client });
  const guarded = createGuardedFetch(customFetch, { cookieJar });
  return Object.assign(guarded, { close: () => client.close() });
}
