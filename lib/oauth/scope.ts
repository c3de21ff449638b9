/**
 * Scope policy: which scope to ask for (the user's override, else the challenge's, else the
 * protected resource's `scopes_supported`, else none) and the union used for a step-up after a
 * 403 `insufficient_scope`. Pure.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-selection-strategy
 * @module
 */

/** Inputs of {@link selectScope}. */
export interface ScopeInputs {
  /** `--scope` / `MCP_CLIENT_SCOPE`: always wins. */
  override?: string;
  /** `scope` of the `WWW-Authenticate` challenge: authoritative when present. */
  challenge?: string;
  /** `scopes_supported` of the protected resource metadata. */
  supported?: readonly string[];
}

/** Splits a space-separated scope string into its distinct scopes. */
export function splitScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? "").split(/\s+/).filter(Boolean))];
}

/** Chooses the scope to request, or undefined to omit the parameter. */
export function selectScope(inputs: ScopeInputs): string | undefined {
  for (const candidate of [inputs.override, inputs.challenge]) {
    const scopes = splitScope(candidate);
    if (scopes.length > 0) return scopes.join(" ");
  }
  const supported = [...new Set(inputs.supported ?? [])].filter((s) => s && !/\s/.test(s));
  return supported.length > 0 ? supported.join(" ") : undefined;
}

/** The union of the given scope strings, in first-seen order; undefined when empty. */
export function unionScopes(...scopes: Array<string | undefined>): string | undefined {
  const all = splitScope(scopes.filter(Boolean).join(" "));
  return all.length > 0 ? all.join(" ") : undefined;
}

/**
 * Adds `offline_access` (so that OpenID providers issue a refresh token) when, and only when, the
 * authorization server lists it in `scopes_supported`; a client must not ask for it otherwise.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization (SEP-2207)
 */
export function withOfflineAccess(
  scope: string | undefined,
  asScopesSupported: readonly unknown[] | undefined,
): string | undefined {
  if (!asScopesSupported?.includes("offline_access")) return scope;
  return unionScopes(scope, "offline_access");
}
