/**
 * How the bridge authenticates its OAuth client at the token endpoint: `none` (a public client),
 * `client_secret_basic` / `client_secret_post` with `MCP_CLIENT_SECRET`, or `private_key_jwt`
 * (RFC 7523 §2.2) with a private key from `--client-key FILE` or `MCP_CLIENT_PRIVATE_KEY`. Keys are
 * PKCS #8 PEM (`BEGIN PRIVATE KEY`) or a private JWK; they are imported as non-extractable
 * WebCrypto keys. The assertion itself is built and signed by oauth4webapi's `PrivateKeyJwt`.
 * Reads the key file only; never logs key material.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 * @module
 */

import * as oauth from "oauth4webapi";
import { BridgeError } from "../errors.ts";
import { registerSecret } from "../log.ts";
import type { ClientAuthMethod } from "./token_state.ts";

/** Where the client's private key comes from, as configured. */
export interface ClientKeySource {
  /** `--client-key FILE`, or `MCP_CLIENT_PRIVATE_KEY` naming a file. */
  file?: string;
  /** `MCP_CLIENT_PRIVATE_KEY` holding the key itself (PEM or JWK). */
  text?: string;
}

/** A private key ready to sign client assertions. */
export interface ClientKey {
  key: CryptoKey;
  kid?: string;
  /** The public half as a JWK, for registering the client (RFC 7591 `jwks`). */
  publicJwk: Record<string, string>;
}

/** The JWS `alg` a WebCrypto signing key produces (as oauth4webapi picks it). */
function jwsAlgorithm(key: CryptoKey): string {
  const algorithm = key.algorithm as EcKeyAlgorithm & RsaHashedKeyAlgorithm;
  switch (algorithm.name) {
    case "ECDSA":
      return { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[algorithm.namedCurve] ??
        "ES256";
    case "RSA-PSS":
      return `PS${algorithm.hash.name.slice(4)}`;
    case "RSASSA-PKCS1-v1_5":
      return `RS${algorithm.hash.name.slice(4)}`;
    default:
      return "EdDSA";
  }
}

/** Imports `material` twice: once to sign (non-extractable), once to publish its public half. */
async function importPair(
  format: "jwk" | "pkcs8",
  material: JsonWebKey | Uint8Array<ArrayBuffer>,
  algorithm: Algorithm | EcKeyImportParams | RsaHashedImportParams,
  kid: string | undefined,
): Promise<ClientKey> {
  const importKey = (extractable: boolean) =>
    format === "jwk"
      ? crypto.subtle.importKey("jwk", material as JsonWebKey, algorithm, extractable, ["sign"])
      : crypto.subtle.importKey(
        "pkcs8",
        material as Uint8Array<ArrayBuffer>,
        algorithm,
        extractable,
        ["sign"],
      );
  const key = await importKey(false);
  const { kty, crv, x, y, n, e } = await crypto.subtle.exportKey("jwk", await importKey(true));
  const publicJwk = Object.fromEntries(
    Object.entries({ kty, crv, x, y, n, e, kid, alg: jwsAlgorithm(key), use: "sig" })
      .filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  return { key, kid, publicJwk };
}

/** Whether a private key is configured at all. */
export function hasClientKey(source: ClientKeySource): boolean {
  return Boolean(source.file || source.text);
}

/** Whether a `MCP_CLIENT_PRIVATE_KEY` value is the key itself rather than a file name. */
export function isKeyMaterial(value: string): boolean {
  const text = value.trim();
  return text.startsWith("-----BEGIN") || text.startsWith("{");
}

function keyError(message: string, hint?: string): BridgeError {
  return new BridgeError("config", `Cannot use the client key: ${message}`, {
    hint: hint ?? "Give a PKCS #8 PEM (BEGIN PRIVATE KEY) or a private JWK",
  });
}

function decodePem(text: string): Uint8Array<ArrayBuffer> {
  const match = text.match(/-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/);
  if (!match) throw keyError("not a PEM block");
  if (match[1] !== "PRIVATE KEY") {
    throw keyError(
      `"${match[1]}" is not a PKCS #8 private key`,
      "Convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem",
    );
  }
  try {
    return Uint8Array.from(atob(match[2].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw keyError("the PEM body is not Base64");
  }
}

/** The WebCrypto algorithms a PKCS #8 key is tried with, in order, by the JWS `alg` they sign. */
function pkcs8Candidates(
  preferred: readonly string[],
): Array<[string, RsaHashedImportParams | EcKeyImportParams | Algorithm]> {
  const rsaPss = preferred.some((alg) => alg.startsWith("PS")) &&
    !preferred.some((alg) => alg.startsWith("RS"));
  return [
    ["ES256", { name: "ECDSA", namedCurve: "P-256" }],
    ["ES384", { name: "ECDSA", namedCurve: "P-384" }],
    ["ES512", { name: "ECDSA", namedCurve: "P-521" }],
    rsaPss
      ? ["PS256", { name: "RSA-PSS", hash: "SHA-256" }]
      : ["RS256", { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }],
    ["Ed25519", { name: "Ed25519" }],
  ];
}

function jwkAlgorithm(
  jwk: JsonWebKey & { alg?: string },
): Algorithm | EcKeyImportParams | RsaHashedImportParams {
  const alg = jwk.alg;
  if (jwk.kty === "EC") return { name: "ECDSA", namedCurve: jwk.crv ?? "P-256" };
  if (jwk.kty === "OKP") return { name: jwk.crv ?? "Ed25519" };
  if (jwk.kty === "RSA") {
    const hash = `SHA-${alg?.slice(2) || "256"}`;
    return alg?.startsWith("PS") ? { name: "RSA-PSS", hash } : { name: "RSASSA-PKCS1-v1_5", hash };
  }
  throw keyError(`unsupported JWK key type "${jwk.kty}"`);
}

/**
 * Imports a private key from PEM or JWK text. `preferredAlgs` is the authorization server's
 * `token_endpoint_auth_signing_alg_values_supported`, which decides RS256 or PS256 for RSA keys.
 */
export async function parseClientKey(
  text: string,
  preferredAlgs: readonly string[] = [],
): Promise<ClientKey> {
  registerSecret(text.trim());
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let jwk: JsonWebKey & { kid?: string; alg?: string };
    try {
      jwk = JSON.parse(trimmed);
    } catch {
      throw keyError("the JWK is not valid JSON");
    }
    if (typeof jwk !== "object" || jwk === null || !jwk.d) {
      throw keyError('the JWK has no private part ("d")');
    }
    registerSecret(jwk.d);
    try {
      const { kid, alg: _alg, key_ops: _ops, use: _use, ext: _ext, ...material } = jwk;
      return await importPair(
        "jwk",
        material,
        jwkAlgorithm(jwk),
        typeof kid === "string" ? kid : undefined,
      );
    } catch (error) {
      if (error instanceof BridgeError) throw error;
      throw keyError("the JWK cannot be imported as a signing key");
    }
  }
  const der = decodePem(trimmed);
  for (const [, algorithm] of pkcs8Candidates(preferredAlgs)) {
    try {
      return await importPair("pkcs8", der, algorithm, undefined);
    } catch {
      // not this algorithm; try the next
    }
  }
  throw keyError("the key is not an EC (P-256/384/521), RSA or Ed25519 private key");
}

/** Reads and imports the configured key; undefined when none is configured. */
export async function readClientKey(
  source: ClientKeySource,
  preferredAlgs: readonly string[] = [],
): Promise<ClientKey | undefined> {
  if (source.text) return await parseClientKey(source.text, preferredAlgs);
  if (!source.file) return undefined;
  let text: string;
  try {
    text = await Deno.readTextFile(source.file);
  } catch (error) {
    const reason = error instanceof Error ? error.name : "error";
    throw keyError(`cannot read "${source.file}" (${reason})`, "Check the --client-key path");
  }
  return await parseClientKey(text, preferredAlgs);
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 §2.3.1, Appendix B). */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, "+");
}

/**
 * `client_secret_basic` as RFC 6749 §2.3.1 has it: id and secret form-encoded, then Base64.
 * oauth4webapi's own version also escapes unreserved characters such as `-`, which servers that
 * compare the decoded header literally (the MCP conformance suite's among them) then refuse;
 * `encodeURIComponent` leaves them as they are, which every server reads the same.
 */
function clientSecretBasic(secret: string): oauth.ClientAuth {
  return (_as, client, _body, headers) => {
    const credentials = `${formEncode(client.client_id)}:${formEncode(secret)}`;
    headers.set("authorization", `Basic ${btoa(credentials)}`);
  };
}

/** The credentials a client may authenticate with. */
export interface ClientCredentialsMaterial {
  secret?: string;
  key?: ClientKey;
}

/** The oauth4webapi client authentication for `method`; refuses when its credential is missing. */
export function createClientAuth(
  method: ClientAuthMethod,
  material: ClientCredentialsMaterial,
): oauth.ClientAuth {
  if (method === "none") return oauth.None();
  if (method === "private_key_jwt") {
    if (!material.key) {
      throw new BridgeError(
        "config",
        'Cannot authenticate the client: "private_key_jwt" needs a private key',
        { hint: "Pass --client-key FILE or set MCP_CLIENT_PRIVATE_KEY" },
      );
    }
    return oauth.PrivateKeyJwt({ key: material.key.key, kid: material.key.kid });
  }
  if (!material.secret) {
    throw new BridgeError(
      "config",
      `Cannot authenticate the client: "${method}" needs MCP_CLIENT_SECRET`,
      { hint: "Set MCP_CLIENT_SECRET, or use a public client" },
    );
  }
  return method === "client_secret_post"
    ? oauth.ClientSecretPost(material.secret)
    : clientSecretBasic(material.secret);
}
