/**
 * The client identity of a sign-in with the user: the one already known (pre-registered or
 * stored for this issuer), a client ID metadata document, else dynamic client registration
 * (RFC 7591) as a native application with a loopback redirect URI, whose result (with its
 * RFC 7592 management credentials) becomes the `.env` changes the flow persists. Loaded with the
 * flows, on demand only.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#client-registration-approaches
 * @module
 */

import * as oauth from "oauth4webapi";
import { BridgeError } from "../errors.ts";
import { registerSecret } from "../log.ts";
import {
  buildRegistrationMetadata,
  chooseAuthMethod,
  chooseRegistrationAuthMethod,
} from "./authorize.ts";
import {
  type ClientIdentity,
  configuredClientKey,
  existingClient,
  identity,
} from "./client_identity.ts";
import { requestOptions } from "./discovery.ts";
import { toOAuthBridgeError } from "./oauth_errors.ts";
import {
  CLIENT_KEYS,
  MCP_CLIENT_AUTH_METHOD,
  MCP_CLIENT_ID,
  MCP_CLIENT_ISSUER,
  MCP_CLIENT_REDIRECT_URI,
  MCP_CLIENT_REGISTRATION_TOKEN,
  MCP_CLIENT_REGISTRATION_URI,
  MCP_CLIENT_SECRET,
} from "./state_keys.ts";
import type { ClientAuthMethod, StoredAuth } from "./token_state.ts";
import type { ExternalClient, FlowContext } from "./types.ts";

async function registerClient(
  context: FlowContext,
  as: oauth.AuthorizationServer,
  redirectUri: string,
): Promise<ClientIdentity> {
  if (!as.registration_endpoint) {
    throw new BridgeError(
      "auth_required",
      "Cannot sign in: authorization server offers no dynamic client registration",
      { hint: "Register a client with the server, then set MCP_CLIENT_ID (and MCP_CLIENT_SECRET)" },
    );
  }
  const key = await configuredClientKey(context, as);
  const requested = chooseRegistrationAuthMethod(as, key !== undefined);
  let registered: Awaited<ReturnType<typeof oauth.processDynamicClientRegistrationResponse>>;
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      buildRegistrationMetadata({
        redirectUri,
        authMethod: requested,
        deviceFlow: Boolean(as.device_authorization_endpoint),
        publicJwk: requested === "private_key_jwt" ? key?.publicJwk : undefined,
      }) as Partial<oauth.Client>,
      requestOptions(context, as.registration_endpoint),
    );
    registered = await oauth.processDynamicClientRegistrationResponse(
      await withSecretExpiry(response),
    );
  } catch (error) {
    throw toOAuthBridgeError(error, "register the client");
  }
  const secret = typeof registered.client_secret === "string"
    ? registered.client_secret
    : undefined;
  const token = typeof registered.registration_access_token === "string"
    ? registered.registration_access_token
    : undefined;
  registerSecret(secret);
  registerSecret(token);
  const granted = registered.token_endpoint_auth_method;
  const method: ClientAuthMethod =
    granted === "none" || granted === "client_secret_basic" || granted === "client_secret_post" ||
      (granted === "private_key_jwt" && key)
      ? granted
      : secret
      ? chooseAuthMethod(as, true)
      : "none";
  context.log.info(`Registered a new OAuth client with ${new URL(as.issuer).host}`);
  return identity(registered.client_id, { secret, key }, method, {
    ...Object.fromEntries(CLIENT_KEYS.map((key) => [key, undefined])),
    [MCP_CLIENT_ID]: registered.client_id,
    [MCP_CLIENT_SECRET]: secret,
    [MCP_CLIENT_REGISTRATION_TOKEN]: token,
    [MCP_CLIENT_REGISTRATION_URI]: typeof registered.registration_client_uri === "string"
      ? registered.registration_client_uri
      : undefined,
    [MCP_CLIENT_ISSUER]: as.issuer,
    [MCP_CLIENT_AUTH_METHOD]: method,
    [MCP_CLIENT_REDIRECT_URI]: redirectUri,
  });
}

/** Chooses the client identity for a browser sign-in: existing, CIMD, else registration. */
export async function resolveBrowserClient(
  context: FlowContext,
  as: oauth.AuthorizationServer,
  stored: StoredAuth,
  external: ExternalClient | undefined,
  redirectUri: string,
): Promise<ClientIdentity> {
  const existing = existingClient(as, stored, external, await configuredClientKey(context, as));
  if (existing) return existing;
  if (stored.clientId) {
    context.log.info("Stored OAuth client belongs to another authorization server; replacing it");
  }
  const metadataUrl = context.settings.oauth.clientMetadataUrl;
  if (metadataUrl) {
    if (as.client_id_metadata_document_supported === true) {
      return identity(metadataUrl, {}, "none", {
        ...Object.fromEntries(CLIENT_KEYS.map((key) => [key, undefined])),
        [MCP_CLIENT_ID]: metadataUrl,
        [MCP_CLIENT_ISSUER]: as.issuer,
        [MCP_CLIENT_AUTH_METHOD]: "none",
      });
    }
    context.log.info(
      "Authorization server does not support client ID metadata documents; registering instead",
    );
  }
  return await registerClient(context, as, redirectUri);
}

/**
 * RFC 7591 §3.2.1 makes `client_secret_expires_at` required with a secret, and oauth4webapi
 * enforces it; some servers (the MCP conformance suite's among them) omit it. A missing value is
 * read as 0, "does not expire", instead of failing the whole sign-in.
 */
async function withSecretExpiry(response: Response): Promise<Response> {
  if (response.status !== 201) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, response);
  }
  if (
    typeof body === "object" && body !== null && "client_secret" in body &&
    !("client_secret_expires_at" in body)
  ) {
    return new Response(JSON.stringify({ ...body, client_secret_expires_at: 0 }), response);
  }
  return new Response(text, response);
}
