/**
 * Who the bridge is at the authorization server: a client id with its token-endpoint
 * authentication (none, a secret, or a private key for `private_key_jwt`), chosen from the
 * external configuration or the state file, and the RFC 8707 resource it asks tokens for. No
 * requests: registration and the grants live in the flows.
 *
 * @module
 */

import type * as oauth from "oauth4webapi";
import { canonicalServerUrl } from "../config/state_path.ts";
import { registerSecret } from "../log.ts";
import { chooseAuthMethod } from "./authorize.ts";
import {
  type ClientCredentialsMaterial,
  type ClientKey,
  createClientAuth,
  readClientKey,
} from "./client_auth.ts";
import { MCP_CLIENT_ISSUER } from "./state_keys.ts";
import type { ClientAuthMethod, StoredAuth } from "./token_state.ts";
import type { DiscoveryResult, ExternalClient, FlowContext } from "./types.ts";

/** A client id with the authentication it uses at the token endpoint. */
export interface ClientIdentity {
  client: oauth.Client;
  auth: oauth.ClientAuth;
  method: ClientAuthMethod;
  /** Changes describing the identity, persisted before the browser opens. */
  changes: Record<string, string | undefined>;
}

/** Builds a {@link ClientIdentity}; the secret is registered for redaction. */
export function identity(
  clientId: string,
  material: ClientCredentialsMaterial,
  method: ClientAuthMethod,
  changes: Record<string, string | undefined> = {},
): ClientIdentity {
  registerSecret(material.secret);
  return {
    client: { client_id: clientId, token_endpoint_auth_method: method },
    auth: createClientAuth(method, material),
    method,
    changes,
  };
}

/** The configured private key for `private_key_jwt`, imported for this server's algorithms. */
export async function configuredClientKey(
  context: FlowContext,
  as: oauth.AuthorizationServer,
): Promise<ClientKey | undefined> {
  const algs = as.token_endpoint_auth_signing_alg_values_supported;
  return await readClientKey(context.settings.oauth.clientKey, Array.isArray(algs) ? algs : []);
}

/** The resource parameter to send, or undefined with --no-resource. */
export function resourceFor(context: FlowContext, discovery?: DiscoveryResult): string | undefined {
  if (context.settings.oauth.noResource) return undefined;
  return discovery?.resource ?? canonicalServerUrl(context.serverUrl);
}

/**
 * The client usable without registering: external (with `private_key_jwt` when a key is
 * configured), or stored for this issuer.
 */
export function existingClient(
  as: oauth.AuthorizationServer,
  stored: StoredAuth,
  external: ExternalClient | undefined,
  key: ClientKey | undefined,
): ClientIdentity | undefined {
  if (external) {
    const method = key
      ? "private_key_jwt"
      : stored.clientId === external.clientId && stored.authMethod &&
          stored.authMethod !== "private_key_jwt"
      ? stored.authMethod
      : chooseAuthMethod(as, Boolean(external.clientSecret));
    return identity(external.clientId, { secret: external.clientSecret, key }, method);
  }
  if (!stored.clientId) return undefined;
  if (stored.issuer && stored.issuer !== as.issuer) return undefined;
  const method = stored.authMethod ?? chooseAuthMethod(as, Boolean(stored.clientSecret));
  return identity(
    stored.clientId,
    { secret: stored.clientSecret, key },
    method,
    stored.issuer ? {} : { [MCP_CLIENT_ISSUER]: as.issuer },
  );
}
