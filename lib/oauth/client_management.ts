/**
 * RFC 7592 client management in the request/process shape of oauth4webapi, which has no helpers
 * for it: `readClientRequest` / `processReadClientResponse`, `updateClientRequest` /
 * `processUpdateClientResponse`, `deleteClientRequest` / `processDeleteClientResponse`. Requests
 * carry the registration access token as a Bearer token and go only to HTTPS (or loopback, or
 * with `allowHttp`); process functions validate and return, nothing is stored. The metadata
 * parsing and merging is in `client_metadata.ts`. Only the authentication commands load this
 * module (dynamically); it must never be on the proxy's start path, and it never puts a response
 * body or a secret into an error message.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592
 * @module
 */

import { classifyFetchError, describeFetchFailure } from "../fetch_failure.ts";
import { BridgeError } from "../errors.ts";
import { registerSecret } from "../log.ts";
import { allowsPlainHttp } from "../net.ts";

/** The client information the client configuration endpoint returns (RFC 7592 §3). */
export interface ClientInformation {
  client_id: string;
  client_secret?: string;
  client_secret_expires_at?: number;
  client_id_issued_at?: number;
  registration_access_token?: string;
  registration_client_uri?: string;
  [field: string]: unknown;
}

/** Options of every request function. */
export interface ClientManagementRequestOptions {
  /** The fetch to use (custom CA, proxy); default the global one. */
  fetch?: typeof fetch;
  /** Allow plain HTTP to a non-loopback host. */
  allowHttp?: boolean;
  /** Aborts the request (timeout, interrupt). */
  signal?: AbortSignal;
  /** Extra headers (e.g. a User-Agent). */
  headers?: HeadersInit;
}

/** What the process functions check the response against. */
export interface ExpectedClient {
  /** The client identifier the response must carry unchanged (RFC 7592 §2.1). */
  clientId: string;
}

/** Fields a client must not send in an update (RFC 7592 §2.2). */
export const UPDATE_FORBIDDEN_FIELDS: readonly string[] = Object.freeze([
  "registration_access_token",
  "registration_client_uri",
  "client_secret_expires_at",
  "client_id_issued_at",
]);

const SAFE_ERROR_CODE = /^[A-Za-z0-9_.\-]{1,64}$/;

function checkUrl(uri: string | URL, allowHttp: boolean | undefined, action: string): URL {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new BridgeError("config", `Cannot ${action}: invalid registration URI`, {
      hint: "Check MCP_CLIENT_REGISTRATION_URI in the state file, or sign in again with --token",
    });
  }
  if (allowsPlainHttp(url, allowHttp)) return url;
  throw new BridgeError("config", `Cannot ${action}: refusing a non-HTTPS registration URI`, {
    hint: "The client configuration endpoint must use https:// (or pass --allow-http)",
    details: { host: url.host },
  });
}

async function send(
  action: string,
  method: "GET" | "PUT" | "DELETE",
  uri: string | URL,
  registrationAccessToken: string,
  options: ClientManagementRequestOptions,
  body?: string,
): Promise<Response> {
  const url = checkUrl(uri, options.allowHttp, action);
  if (!registrationAccessToken) {
    throw new BridgeError("auth_required", `Cannot ${action}: no registration access token`, {
      hint: "The server gave no RFC 7592 management token for this client",
    });
  }
  registerSecret(registrationAccessToken);
  const headers = new Headers(options.headers);
  headers.set("accept", "application/json");
  headers.set("authorization", `Bearer ${registrationAccessToken}`);
  if (body !== undefined) headers.set("content-type", "application/json");
  try {
    return await (options.fetch ?? fetch)(url, {
      method,
      headers,
      body,
      redirect: "manual",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      throw new BridgeError("timeout", `Cannot ${action}: request timed out`, { cause: error });
    }
    if (error instanceof BridgeError) throw error;
    if (error instanceof DOMException && error.name === "AbortError") {
      throw new BridgeError("interrupted", `Cannot ${action}: interrupted`, { cause: error });
    }
    const failure = classifyFetchError(error);
    throw new BridgeError(
      "unreachable",
      `Cannot ${action}: "${url.host}" is unreachable: ${describeFetchFailure(failure)}`,
      { cause: error, details: { reason: failure.kind } },
    );
  }
}

/** Reads the OAuth error code of a failed response (body or `WWW-Authenticate`), if it is safe. */
async function readErrorCode(response: Response): Promise<string | undefined> {
  let code: string | undefined;
  try {
    const text = await response.text();
    const parsed = JSON.parse(text);
    if (typeof parsed?.error === "string") code = parsed.error;
  } catch {
    // Not JSON: look at the challenge instead.
  }
  if (!code) {
    const challenge = response.headers.get("www-authenticate") ?? "";
    code = /\berror="?([^",\s]+)"?/i.exec(challenge)?.[1];
  }
  return code && SAFE_ERROR_CODE.test(code) ? code : undefined;
}

/** Turns a non-success response into a BridgeError; the body is consumed, never quoted. */
async function failure(action: string, response: Response): Promise<BridgeError> {
  const status = response.status;
  const code = await readErrorCode(response);
  const said = code ? `authorization server answered "${code}"` : `HTTP ${status}`;
  const details = code ? { oauthError: code } : undefined;
  if (status === 401) {
    return new BridgeError("auth_failed", `Cannot ${action}: ${said}`, {
      status,
      details,
      hint: "The registration access token is invalid or the client no longer exists; " +
        "run with --reset-auth to forget it and register again",
    });
  }
  if (status === 403) {
    return new BridgeError("auth_failed", `Cannot ${action}: ${said}`, {
      status,
      details,
      hint: "The authorization server does not allow this client to manage its registration",
    });
  }
  if (status === 404 || status === 405 || status === 501) {
    // RFC 7592 answers an unknown client with 401; a 404 means there is no such endpoint.
    return new BridgeError(
      "http_error",
      `Cannot ${action}: the server does not support it (HTTP ${status})`,
      {
        status,
        details: { ...details, unsupported: true },
        hint: "The authorization server does not implement this RFC 7592 operation",
      },
    );
  }
  if (status === 400) {
    return new BridgeError("server_error", `Cannot ${action}: ${said}`, {
      status,
      details,
      hint: "The authorization server refused the client metadata; check the values given",
    });
  }
  return new BridgeError("http_error", `Cannot ${action}: ${said}`, { status, details });
}

/** Whether `error` says the server does not implement the RFC 7592 operation (404/405/501). */
export function isUnsupportedError(error: unknown): boolean {
  return error instanceof BridgeError && error.details?.unsupported === true;
}

async function readClientInformation(
  action: string,
  response: Response,
  expected: ExpectedClient,
): Promise<ClientInformation> {
  if (response.status !== 200) throw await failure(action, response);
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  if (!/^application\/([a-z0-9.+-]*\+)?json\b/i.test(type.trim())) {
    throw new BridgeError("protocol", `Cannot ${action}: response is not JSON`, {
      status: response.status,
      hint: "The registration URI does not point at an RFC 7592 client configuration endpoint",
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BridgeError("protocol", `Cannot ${action}: response is not valid JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BridgeError("protocol", `Cannot ${action}: response is not a JSON object`);
  }
  const info = parsed as Record<string, unknown>;
  for (const key of ["client_secret", "registration_access_token"]) {
    if (typeof info[key] === "string") registerSecret(info[key] as string);
  }
  if (info.client_id !== expected.clientId) {
    throw new BridgeError("protocol", `Cannot ${action}: the server changed the client id`, {
      hint: "RFC 7592 forbids changing client_id; the registration cannot be trusted",
    });
  }
  for (const key of ["client_secret", "registration_access_token", "registration_client_uri"]) {
    if (info[key] !== undefined && typeof info[key] !== "string") {
      throw new BridgeError("protocol", `Cannot ${action}: invalid "${key}" in the response`);
    }
  }
  return info as ClientInformation;
}

/**
 * Reads the client's registration: `GET registration_client_uri` with the registration access
 * token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.1
 */
export function readClientRequest(
  registrationClientUri: string | URL,
  registrationAccessToken: string,
  options: ClientManagementRequestOptions = {},
): Promise<Response> {
  return send(
    "read client registration",
    "GET",
    registrationClientUri,
    registrationAccessToken,
    options,
  );
}

/**
 * Validates a read response: 200, a JSON object, the same `client_id`. A new `client_secret` or
 * `registration_access_token` in it replaces the stored one at once (the caller persists it).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-3
 */
export function processReadClientResponse(
  response: Response,
  expected: ExpectedClient,
): Promise<ClientInformation> {
  return readClientInformation("read client registration", response, expected);
}

/**
 * The body of an update: the full metadata, without the fields RFC 7592 §2.2 forbids, with
 * `client_id` set. A `client_secret` is kept only when given (it must match the issued one).
 */
export function formatUpdateBody(metadata: ClientInformation): Record<string, unknown> {
  if (typeof metadata.client_id !== "string" || metadata.client_id === "") {
    throw new BridgeError("usage", "Cannot update client registration: no client id");
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (UPDATE_FORBIDDEN_FIELDS.includes(key) || value === undefined) continue;
    body[key] = value;
  }
  return body;
}

/**
 * Replaces the client's registration: `PUT registration_client_uri` with the FULL metadata
 * (omitted fields are deleted by the server), minus the forbidden fields.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.2
 */
export function updateClientRequest(
  registrationClientUri: string | URL,
  registrationAccessToken: string,
  metadata: ClientInformation,
  options: ClientManagementRequestOptions = {},
): Promise<Response> {
  let body: string;
  try {
    body = JSON.stringify(formatUpdateBody(metadata));
  } catch (error) {
    return Promise.reject(error);
  }
  return send(
    "update client registration",
    "PUT",
    registrationClientUri,
    registrationAccessToken,
    options,
    body,
  );
}

/**
 * Validates an update response like a read response (200 with the full client information,
 * possibly with rotated credentials).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.2
 */
export function processUpdateClientResponse(
  response: Response,
  expected: ExpectedClient,
): Promise<ClientInformation> {
  return readClientInformation("update client registration", response, expected);
}

/**
 * Deletes the client's registration: `DELETE registration_client_uri`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.3
 */
export function deleteClientRequest(
  registrationClientUri: string | URL,
  registrationAccessToken: string,
  options: ClientManagementRequestOptions = {},
): Promise<Response> {
  return send(
    "delete client registration",
    "DELETE",
    registrationClientUri,
    registrationAccessToken,
    options,
  );
}

/**
 * Validates a delete response: 204 (200 tolerated). 405 (and 404, 501) throws an error for which
 * {@link isUnsupportedError} is true; 401 (`auth_failed`) means an invalid token or an unknown
 * client.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2.3
 */
export async function processDeleteClientResponse(response: Response): Promise<void> {
  if (response.status === 204 || response.status === 200) {
    await response.body?.cancel();
    return;
  }
  throw await failure("delete client registration", response);
}
