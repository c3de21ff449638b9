/**
 * Why a `fetch` could not reach a server, read from the error it threw: connection refused, DNS
 * failure, a TLS problem (with the certificate's fault), a timeout, a dropped connection or a
 * port the runtime blocks. Pure: it only reads error names and messages; the transports and the
 * OAuth requests call it to turn "fetch failed" into a message that names the cause.
 *
 * @module
 */

import { BridgeError } from "./errors.ts";
import { redact } from "./log.ts";

/** The cause of a failed fetch. */
export type FetchFailure =
  /** Nothing listens on the port (ECONNREFUSED). */
  | { kind: "refused" }
  /** The host name does not resolve. */
  | { kind: "dns" }
  /** The TLS handshake failed; `problem` says how, in words. */
  | { kind: "tls"; problem: string }
  /** The connection or the request timed out. */
  | { kind: "timeout" }
  /** The connection was closed or reset before the answer. */
  | { kind: "closed" }
  /** The runtime refuses the port (Deno blocks a few, such as 9 or 25). */
  | { kind: "blocked-port"; port: string }
  /** Anything else; `text` is the innermost message. */
  | { kind: "other"; text: string };

/** Certificate faults as rustls names them, in words. */
const CERTIFICATE_PROBLEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/UnknownIssuer/, "the certificate is signed by an unknown authority"],
  [/CaUsedAsEndEntity/, "the certificate is self-signed (a CA certificate used by the server)"],
  [/NotValidYet/, "the certificate is not valid yet"],
  [/Expired/, "the certificate has expired"],
  [/NotValidForName|CertNotValidForName/, "the certificate is not valid for this host name"],
  [/Revoked/, "the certificate was revoked"],
  [/BadSignature|InvalidSignature/, "the certificate's signature is invalid"],
  [/BadEncoding/, "the certificate cannot be read"],
];

/** Every message in the error's `cause` chain, outermost first. */
function messages(error: unknown): string[] {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      out.push(current.message);
      current = current.cause;
    } else {
      out.push(String(current));
      break;
    }
  }
  return out;
}

/** Classifies anything `fetch` threw. Pure. */
export function classifyFetchError(error: unknown): FetchFailure {
  if (
    error instanceof DOMException && error.name === "TimeoutError"
  ) return { kind: "timeout" };
  const all = messages(error);
  const text = all.join(" | ");
  const blocked = text.match(/Requests to port (\d+) are blocked/);
  if (blocked) return { kind: "blocked-port", port: blocked[1] };
  if (/connection refused|ECONNREFUSED|os error 111\b|os error 10061\b/i.test(text)) {
    return { kind: "refused" };
  }
  if (
    /dns error|failed to lookup address|Name or service not known|No such host|ENOTFOUND|nodename nor servname|Temporary failure in name resolution/i
      .test(text)
  ) return { kind: "dns" };
  if (/invalid peer certificate|certificate/i.test(text)) {
    const found = CERTIFICATE_PROBLEMS.find(([pattern]) => pattern.test(text));
    return { kind: "tls", problem: found ? found[1] : "the certificate was refused" };
  }
  if (/received corrupt message|InvalidContentType|wrong version number/i.test(text)) {
    return { kind: "tls", problem: "the server does not speak TLS on this port" };
  }
  if (/tls|handshake/i.test(text)) return { kind: "tls", problem: "the TLS handshake failed" };
  if (/timed out|os error 110\b|ETIMEDOUT/i.test(text)) return { kind: "timeout" };
  if (/connection closed|connection reset|ECONNRESET|broken pipe|os error 104\b/i.test(text)) {
    return { kind: "closed" };
  }
  return { kind: "other", text: all.at(-1) ?? "fetch failed" };
}

/** The cause in words, for `Cannot reach …: <cause>`. Pure. */
export function describeFetchFailure(failure: FetchFailure): string {
  switch (failure.kind) {
    case "refused":
      return "connection refused";
    case "dns":
      return "the host name does not resolve (DNS lookup failed)";
    case "tls":
      return `TLS error: ${failure.problem}`;
    case "timeout":
      return "the connection timed out";
    case "closed":
      return "the connection was closed before the server answered";
    case "blocked-port":
      return `the runtime blocks requests to port ${failure.port}`;
    case "other":
      return failure.text;
  }
}

/** What the user can do about each cause. */
function hintFor(failure: FetchFailure, url: URL): string {
  switch (failure.kind) {
    case "refused":
      return `Nothing answers on ${url.host}: is the server running, and on this port?`;
    case "dns":
      return `Check the host name "${url.hostname}" and the network (or HTTPS_PROXY)`;
    case "tls":
      return failure.problem.includes("does not speak TLS")
        ? "Use http:// for a server without TLS (with --allow-http unless it is on this machine)"
        : failure.problem.includes("expired") || failure.problem.includes("not valid yet")
        ? "Renew the server's certificate, or check this machine's clock"
        : failure.problem.includes("host name")
        ? "Use the host name the certificate was issued for"
        : "Trust the server's CA with --cert PEM (MCP_CLIENT_CA_FILE)";
    case "timeout":
      return "Check the network, a firewall or HTTPS_PROXY; the host did not answer";
    case "closed":
      return "The server or a proxy dropped the connection; check the server's logs";
    case "blocked-port":
      return "Run the server on another port";
    case "other":
      return "Check the server URL, the network, HTTPS_PROXY and the CA certificate";
  }
}

/**
 * The `unreachable` BridgeError for a failed fetch of `url`, naming the cause:
 * `Cannot reach the server at "host": connection refused`. `what` replaces "the server" (e.g.
 * "the authorization server").
 */
export function fetchFailureError(
  error: unknown,
  url: URL,
  what = "the server",
): BridgeError {
  const failure = classifyFetchError(error);
  return new BridgeError(
    "unreachable",
    redact(`Cannot reach ${what} at "${url.host}": ${describeFetchFailure(failure)}`),
    { cause: error, hint: hintFor(failure, url), details: { reason: failure.kind } },
  );
}
