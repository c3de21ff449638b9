/**
 * The RFC 7592 flows on the stored client registration, with their persistence: read it
 * (`--get-client-info`), update it (`--update-client`), delete it at the server
 * (`--delete-client`, `--reset-auth`). Each runs under the server's state lock, re-reads the
 * stored registration there, and saves rotated credentials (a new client secret, registration
 * access token or URI) at once, before anything else uses them. The requests and checks are
 * `client_management.ts`'s send/check pairs; this module prints nothing and asks nothing: what
 * happened is returned for the CLI to format.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592
 * @module
 */

import type { EnvStore } from "../config/env_store.ts";
import { BridgeError, toBridgeError } from "../errors.ts";
import {
  type ClientInformation,
  type ClientManagementRequestOptions,
  deleteClientRequest,
  isUnsupportedError,
  processDeleteClientResponse,
  processReadClientResponse,
  processUpdateClientResponse,
  readClientRequest,
  updateClientRequest,
} from "./client_management.ts";
import {
  diffClientCredentials,
  mergeClientMetadata,
  type MetadataValue,
  type StoredClientCredentials,
} from "./client_metadata.ts";
import {
  MCP_CLIENT_AUTH_METHOD,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
  MCP_CLIENT_SECRET,
} from "./state_keys.ts";
import { readStoredAuth, type StoredAuth } from "./token_state.ts";

/** A client registration that RFC 7592 can manage. */
export interface Registration {
  clientId: string;
  /** The client configuration endpoint (`registration_client_uri`). */
  uri: string;
  /** The registration access token. */
  token: string;
  clientSecret?: string;
}

/** What every flow needs: the server's state store and how to send requests. */
export interface RegistrationContext {
  store: EnvStore;
  /** Builds the options of one request (fetch, `--allow-http`, timeout and interrupt signal). */
  requestOptions(): ClientManagementRequestOptions;
}

/** The stored registration, or a config error saying why it cannot be managed. */
export function requireRegistration(stored: StoredAuth): Registration {
  if (!stored.clientId) {
    throw new BridgeError("config", "No client registration stored for this server", {
      hint: "Sign in first with `mcp-streamablehttp-client --token`",
    });
  }
  if (!stored.registrationUri || !stored.registrationToken) {
    throw new BridgeError("config", `Client "${stored.clientId}" cannot be managed (no RFC 7592)`, {
      hint: "The authorization server gave no registration URI and token for this client; " +
        "it was pre-registered or the server does not support RFC 7592",
    });
  }
  return {
    clientId: stored.clientId,
    uri: stored.registrationUri,
    token: stored.registrationToken,
    ...(stored.clientSecret ? { clientSecret: stored.clientSecret } : {}),
  };
}

/** The `.env` changes for rotated credentials (discarding the old ones at once, RFC 7592 §3). */
export function formatCredentialChanges(rotated: StoredClientCredentials): Record<string, string> {
  const changes: Record<string, string> = {};
  if (rotated.clientSecret) changes[MCP_CLIENT_SECRET] = rotated.clientSecret;
  if (rotated.registrationAccessToken) {
    changes[MCP_CLIENT_REGISTRATION_TOKEN] = rotated.registrationAccessToken;
  }
  if (rotated.registrationClientUri) {
    changes[MCP_CLIENT_REGISTRATION_URI] = rotated.registrationClientUri;
  }
  return changes;
}

function credentialsOf(registration: Registration): StoredClientCredentials {
  return {
    clientSecret: registration.clientSecret,
    registrationAccessToken: registration.token,
    registrationClientUri: registration.uri,
  };
}

/** What {@link readRegistration} found. */
export interface ReadRegistrationResult {
  registration: Registration;
  info: ClientInformation;
  rotated: StoredClientCredentials;
  /** The state keys saved because the server rotated them. */
  saved: string[];
}

/** Reads the registration at the server (RFC 7592 §2.1) and saves rotated credentials. */
export function readRegistration(context: RegistrationContext): Promise<ReadRegistrationResult> {
  const { store } = context;
  return store.withLock(async () => {
    const registration = requireRegistration(readStoredAuth(await store.read()));
    const info = await processReadClientResponse(
      await readClientRequest(registration.uri, registration.token, context.requestOptions()),
      { clientId: registration.clientId },
    );
    const rotated = diffClientCredentials(credentialsOf(registration), info);
    const changes = formatCredentialChanges(rotated);
    if (Object.keys(changes).length) await store.update(changes);
    return { registration, info, rotated, saved: Object.keys(changes) };
  });
}

/** What {@link updateRegistration} did. */
export interface UpdateRegistrationResult {
  registration: Registration;
  /** The stored state before the update. */
  stored: StoredAuth;
  /** The registration as read before the update. */
  current: ClientInformation;
  /** The full metadata sent. */
  desired: ClientInformation;
  /** The registration as the server answered the update. */
  updated: ClientInformation;
  /** Credentials rotated by the read and by the update. */
  rotated: StoredClientCredentials;
  /** The state keys saved. */
  saved: string[];
}

const STORED_AUTH_METHODS = new Set(["none", "client_secret_basic", "client_secret_post"]);

/**
 * Reads the registration, merges `changes` into it and sends the whole document back
 * (RFC 7592 §2.2); saves credentials rotated by either step and a changed auth method.
 */
export function updateRegistration(
  context: RegistrationContext,
  changes: Readonly<Record<string, MetadataValue>>,
): Promise<UpdateRegistrationResult> {
  const { store } = context;
  return store.withLock(async () => {
    const stored = readStoredAuth(await store.read());
    const registration = requireRegistration(stored);
    const options = context.requestOptions();
    const current = await processReadClientResponse(
      await readClientRequest(registration.uri, registration.token, options),
      { clientId: registration.clientId },
    );
    // A read may already rotate credentials: keep them before using them.
    const readRotation = diffClientCredentials(credentialsOf(registration), current);
    const readChanges = formatCredentialChanges(readRotation);
    if (Object.keys(readChanges).length) await store.update(readChanges);
    const token = current.registration_access_token ?? registration.token;
    const uri = current.registration_client_uri ?? registration.uri;

    const desired = mergeClientMetadata(current, { ...changes });
    const updated = await processUpdateClientResponse(
      await updateClientRequest(uri, token, desired, options),
      { clientId: registration.clientId },
    );
    const rotated = diffClientCredentials({
      clientSecret: current.client_secret ?? registration.clientSecret,
      registrationAccessToken: token,
      registrationClientUri: uri,
    }, updated);
    const persist: Record<string, string> = formatCredentialChanges(rotated);
    const method = updated.token_endpoint_auth_method;
    if (
      typeof method === "string" && STORED_AUTH_METHODS.has(method) &&
      stored.authMethod !== undefined && method !== stored.authMethod
    ) {
      persist[MCP_CLIENT_AUTH_METHOD] = method;
    }
    if (Object.keys(persist).length) await store.update(persist);
    return {
      registration,
      stored,
      current,
      desired,
      updated,
      rotated: { ...readRotation, ...rotated },
      saved: Object.keys({ ...readChanges, ...persist }),
    };
  });
}

/**
 * Deletes the registration at the server (RFC 7592 §2.3), then runs `forget` under the same hold
 * of the lock so no other process uses the deleted client meanwhile. Resolves with the
 * registration deleted and what `forget` returned.
 */
export function deleteRegistration<T>(
  context: RegistrationContext,
  forget: () => Promise<T>,
): Promise<{ registration: Registration; forgotten: T }> {
  const { store } = context;
  return store.withLock(async () => {
    // Re-read under the lock: another process may have rotated the token meanwhile.
    const registration = requireRegistration(readStoredAuth(await store.read()));
    await processDeleteClientResponse(
      await deleteClientRequest(registration.uri, registration.token, context.requestOptions()),
    );
    return { registration, forgotten: await forget() };
  });
}

/** How deleting a registration at the server ended, for `--reset-auth`. */
export type ServerDeletion =
  | { outcome: "deleted" }
  /** The server does not offer deletion (RFC 7592 §2.3 is optional). */
  | { outcome: "unsupported" }
  /** The server no longer knows the client (its registration token is refused). */
  | { outcome: "gone" }
  /** Anything else (network, server error): the caller warns and forgets locally anyway. */
  | { outcome: "failed"; error: BridgeError };

/**
 * Tries to delete `stored`'s registration at the server, for `--reset-auth`; the caller holds the
 * lock. Configuration errors and bugs are thrown; every other failure is reported as an outcome.
 */
export async function deleteAtServer(
  context: RegistrationContext,
  registration: Registration,
): Promise<ServerDeletion> {
  try {
    await processDeleteClientResponse(
      await deleteClientRequest(registration.uri, registration.token, context.requestOptions()),
    );
    return { outcome: "deleted" };
  } catch (error) {
    const failure = toBridgeError(error);
    if (isUnsupportedError(failure)) return { outcome: "unsupported" };
    if (failure.kind === "auth_failed" && failure.status === 401) return { outcome: "gone" };
    if (failure.kind === "internal" || failure.kind === "config") throw failure;
    return { outcome: "failed", error: failure };
  }
}
