/**
 * The OAuth manager's memory of where its authorization server is: the discovery result (run
 * once, on demand, with the server's last Bearer challenge), the scope to ask for (`--scope`,
 * else the challenge's, else the protected resource's `scopes_supported`), and a fresh discovery
 * after a refusal that keeps the old result when the new one fails. It loads `discovery.ts`
 * (and oauth4webapi) only when first asked.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-selection-strategy
 * @module
 */

import { toBridgeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { AuthChallenge } from "../transport/types.ts";
import { selectScope } from "./scope.ts";
import type { DiscoveryResult, RequestContext } from "./types.ts";

/** See the module comment. */
export interface DiscoveryCache {
  /** The discovery result, running discovery the first time. */
  get(): Promise<DiscoveryResult>;
  /** The result found so far, if any. */
  readonly current: DiscoveryResult | undefined;
  /** Remembers the server's Bearer challenge for discovery and scope selection. */
  noteChallenge(challenge: AuthChallenge): void;
  /** The scope to request in a new sign-in. */
  chooseScope(): Promise<string | undefined>;
  /** Runs discovery again; the new issuer, or undefined (old result kept) when it fails. */
  rediscoverIssuer(): Promise<string | undefined>;
  /** Forgets the result (the client registration was removed). */
  clear(): void;
}

/** Creates the cache for `serverUrl`; `context` builds the request context when needed. */
export function createDiscoveryCache(options: {
  serverUrl: URL;
  scopeOverride?: string;
  log: Logger;
  context: () => RequestContext;
}): DiscoveryCache {
  let discovery: DiscoveryResult | undefined;
  let lastChallenge: AuthChallenge | undefined;
  const get = async (): Promise<DiscoveryResult> => {
    if (discovery) return discovery;
    const { discover } = await import("./discovery.ts");
    discovery = await discover(options.context(), options.serverUrl, lastChallenge);
    return discovery;
  };
  return {
    get,
    get current() {
      return discovery;
    },
    noteChallenge(challenge) {
      if (challenge.scheme === "bearer") lastChallenge = challenge;
    },
    async chooseScope() {
      if (options.scopeOverride) return selectScope({ override: options.scopeOverride });
      const challengeScope = lastChallenge?.params.scope;
      if (challengeScope) return selectScope({ challenge: challengeScope });
      const supported = (await get()).resourceMetadata?.scopes_supported;
      return selectScope({
        supported: Array.isArray(supported) ? supported.filter((s) => typeof s === "string") : [],
      });
    },
    async rediscoverIssuer() {
      const previous = discovery;
      discovery = undefined;
      try {
        return (await get()).authorizationServer.issuer;
      } catch (error) {
        discovery = previous;
        options.log.debug(`Cannot run discovery again: ${toBridgeError(error).message}`);
        return undefined;
      }
    },
    clear() {
      discovery = undefined;
    },
  };
}
