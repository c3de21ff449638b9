/**
 * Builds the fetch used for every request to the MCP server and the authorization server. With
 * a custom CA file (`--cert`, `MCP_CLIENT_CA_FILE`) it uses `Deno.createHttpClient({ caCerts })`,
 * which trusts those certificates in addition to the default roots; otherwise it is the global
 * fetch. Proxies need nothing here: Deno's fetch, including one with a custom client, honours
 * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` (checked with Deno 2.9.6 against a local proxy:
 * a custom client sent the request through `HTTP_PROXY` and bypassed it for a `NO_PROXY`
 * host), so the bridge does not parse those variables itself. Reads only the CA file.
 *
 * @module
 */
import { BridgeError } from "../errors.ts";

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

/** Options of {@link createHttpFetch}. */
export interface HttpFetchOptions {
  /** PEM file with extra CA certificates (`--cert`, `MCP_CLIENT_CA_FILE`). */
  caFile?: string;
}

/** Returns the fetch to use: with the custom CA when `caFile` is set, else the global fetch. */
export async function createHttpFetch(options: HttpFetchOptions = {}): Promise<HttpFetch> {
  if (!options.caFile) return Object.assign(globalThis.fetch.bind(globalThis), { close() {} });
  const pem = await readCaFile(options.caFile);
  const client = Deno.createHttpClient({ caCerts: [pem] });
  const customFetch = (input: string | URL | Request, init?: RequestInit) =>
    fetch(input, { ...init, client });
  return Object.assign(customFetch, { close: () => client.close() });
}
