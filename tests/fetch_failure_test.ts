import assert from "node:assert/strict";
import {
  classifyFetchError,
  describeFetchFailure,
  type FetchFailure,
  fetchFailureError,
} from "../lib/fetch_failure.ts";
import { stablePort } from "./support/ports.ts";

/** A TypeError shaped like Deno's fetch failures: "fetch failed" with the reason in `cause`. */
function denoFetchError(cause: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(cause) });
}

const SEND = "error sending request for url (https://h/mcp): client error (Connect): ";

Deno.test("fetch failures are classified by their cause (messages Deno really produces)", () => {
  const table: Array<[unknown, FetchFailure]> = [
    [denoFetchError(`${SEND}tcp connect error: Connection refused (os error 111)`), {
      kind: "refused",
    }],
    [
      denoFetchError(
        `${SEND}dns error: failed to lookup address information: Name or service not known`,
      ),
      { kind: "dns" },
    ],
    [denoFetchError(`${SEND}invalid peer certificate: UnknownIssuer`), {
      kind: "tls",
      problem: "the certificate is signed by an unknown authority",
    }],
    [denoFetchError(`${SEND}invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))`), {
      kind: "tls",
      problem: "the certificate is self-signed (a CA certificate used by the server)",
    }],
    [denoFetchError(`${SEND}invalid peer certificate: Expired`), {
      kind: "tls",
      problem: "the certificate has expired",
    }],
    [denoFetchError(`${SEND}invalid peer certificate: NotValidForName`), {
      kind: "tls",
      problem: "the certificate is not valid for this host name",
    }],
    [denoFetchError(`${SEND}received corrupt message of type InvalidContentType`), {
      kind: "tls",
      problem: "the server does not speak TLS on this port",
    }],
    [denoFetchError(`${SEND}tcp connect error: Connection timed out (os error 110)`), {
      kind: "timeout",
    }],
    [new DOMException("The operation was aborted due to timeout", "TimeoutError"), {
      kind: "timeout",
    }],
    [
      denoFetchError(
        "error sending request from 127.0.0.1:1 for http://h/ (127.0.0.1:2): client error (SendRequest): connection closed before message completed",
      ),
      { kind: "closed" },
    ],
    [new TypeError("Fetch failed: Requests to port 9 are blocked"), {
      kind: "blocked-port",
      port: "9",
    }],
    [new TypeError("something new"), { kind: "other", text: "something new" }],
    ["a string", { kind: "other", text: "a string" }],
  ];
  for (const [error, expected] of table) {
    assert.deepEqual(classifyFetchError(error), expected, String((error as Error).message));
  }
  assert.equal(describeFetchFailure({ kind: "refused" }), "connection refused");
  assert.equal(
    describeFetchFailure({ kind: "tls", problem: "the certificate has expired" }),
    "TLS error: the certificate has expired",
  );
});

Deno.test("the unreachable error names the cause and a fitting hint", () => {
  const url = new URL("https://mcp.example.com:8443/mcp");
  const refused = fetchFailureError(
    denoFetchError(`${SEND}tcp connect error: Connection refused (os error 111)`),
    url,
  );
  assert.equal(refused.kind, "unreachable");
  assert.equal(
    refused.message,
    'Cannot reach the server at "mcp.example.com:8443": connection refused',
  );
  assert.match(refused.hint, /is the server running/);
  assert.deepEqual(refused.details, { reason: "refused" });
  const tls = fetchFailureError(
    denoFetchError(`${SEND}invalid peer certificate: UnknownIssuer`),
    url,
  );
  assert.match(tls.hint, /--cert PEM/);
  const dns = fetchFailureError(
    denoFetchError(`${SEND}dns error: x`),
    url,
    "the authorization server",
  );
  assert.match(dns.message, /^Cannot reach the authorization server at "mcp.example.com:8443": /);
  assert.match(dns.hint, /"mcp.example.com"/);
});

Deno.test("real fetch failures: a closed port and plain HTTP spoken to https://", async () => {
  const port = stablePort();
  const refused = await fetch(`http://127.0.0.1:${port}/`).catch((error) => error);
  assert.deepEqual(classifyFetchError(refused), { kind: "refused" });

  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("plain"),
  );
  const tls = await fetch(`https://127.0.0.1:${server.addr.port}/`).catch((error) => error);
  assert.deepEqual(classifyFetchError(tls), {
    kind: "tls",
    problem: "the server does not speak TLS on this port",
  });
});
