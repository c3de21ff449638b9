/**
 * Pure pieces of the authorization-code flow and client identity: the PKCE S256 requirement,
 * the authorization URL (oauth4webapi has no builder), the token-endpoint authentication method
 * to use or to register, and the RFC 7591 registration metadata. No I/O.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 * @module
 */

import type { AuthorizationServer } from "oauth4webapi";
import { PROGRAM_NAME, PROGRAM_VERSION } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import type { ClientAuthMethod } from "./token_state.ts";

/** Refuses an authorization server that does not advertise PKCE with S256. */
export function requirePkceS256(as: Pick<AuthorizationServer, "code_challenge_methods_supported">) {
  if (!as.code_challenge_methods_supported?.includes("S256")) {
    throw new BridgeError(
      "auth_failed",
      "Cannot sign in: authorization server does not support PKCE with S256",
      {
        hint:
          'Its metadata lacks "S256" in code_challenge_methods_supported; MCP requires PKCE, so the bridge refuses to sign in',
      },
    );
  }
}

/** Parameters of the authorization request. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string;
  scope?: string;
  resource?: string;
}

/** Builds the authorization URL (RFC 6749 §4.1.1 + PKCE + RFC 8707), keeping endpoint queries. */
export function buildAuthorizationUrl(endpoint: URL, request: AuthorizationRequest): URL {
  const url = new URL(endpoint.href);
  url.hash = "";
  const params = url.searchParams;
  params.set("response_type", "code");
  params.set("client_id", request.clientId);
  params.set("redirect_uri", request.redirectUri);
  params.set("code_challenge", request.codeChallenge);
  params.set("code_challenge_method", "S256");
  params.set("state", request.state);
  if (request.scope) params.set("scope", request.scope);
  if (request.resource) params.set("resource", request.resource);
  return url;
}

function supportedMethods(as: Pick<AuthorizationServer, "token_endpoint_auth_methods_supported">) {
  // RFC 8414 §2: when omitted, the default is client_secret_basic.
  return as.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
}

/**
 * The method for an existing client: `none` without a secret; with one, `client_secret_basic`
 * when the server lists it (or lists nothing), else `client_secret_post`.
 */
export function chooseAuthMethod(
  as: Pick<AuthorizationServer, "token_endpoint_auth_methods_supported">,
  hasSecret: boolean,
): ClientAuthMethod {
  if (!hasSecret) return "none";
  const supported = supportedMethods(as);
  if (supported.includes("client_secret_basic")) return "client_secret_basic";
  if (supported.includes("client_secret_post")) return "client_secret_post";
  return "client_secret_basic";
}

/**
 * The method to register with (RFC 7591): `private_key_jwt` with a configured client key when
 * the server lists it; else `none` when supported, since a secret in a file on
 * the user's machine adds little to PKCE for a native app (RFC 8252 §8.4); else
 * `client_secret_basic`, else `client_secret_post`.
 */
export function chooseRegistrationAuthMethod(
  as: Pick<AuthorizationServer, "token_endpoint_auth_methods_supported">,
  hasKey = false,
): ClientAuthMethod {
  const supported = supportedMethods(as);
  // A configured key is the user's choice of credential (RFC 7523 §2.2).
  if (hasKey && supported.includes("private_key_jwt")) return "private_key_jwt";
  if (supported.includes("none")) return "none";
  if (supported.includes("client_secret_basic")) return "client_secret_basic";
  if (supported.includes("client_secret_post")) return "client_secret_post";
  return "none";
}

/** RFC 7591 metadata for registering the bridge as a native app with a loopback redirect. */
export function buildRegistrationMetadata(options: {
  redirectUri: string;
  authMethod: ClientAuthMethod;
  scope?: string;
  /** Also register the device grant (RFC 8628), when the server offers it. */
  deviceFlow?: boolean;
  /** The public key to register with `private_key_jwt` (RFC 7591 `jwks`). */
  publicJwk?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    client_name: PROGRAM_NAME,
    application_type: "native",
    redirect_uris: [options.redirectUri],
    grant_types: [
      "authorization_code",
      "refresh_token",
      ...(options.deviceFlow ? ["urn:ietf:params:oauth:grant-type:device_code"] : []),
    ],
    response_types: ["code"],
    token_endpoint_auth_method: options.authMethod,
    software_id: PROGRAM_NAME,
    software_version: PROGRAM_VERSION,
    ...(options.scope ? { scope: options.scope } : {}),
    ...(options.publicJwk ? { jwks: { keys: [options.publicJwk] } } : {}),
  };
}
