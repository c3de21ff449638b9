/**
 * What the OAuth manager runs once its renewal policy has decided: the refresh-token grant, a
 * machine grant (client credentials or cross-app access), the browser sign-in announced to
 * `watchSignIn` listeners, and dropping the stored client when the server moved to another
 * authorization server. Each result is persisted to the server's `.env` and remembered in the
 * manager's {@link ManagerMemory}; deciding what to run and single-flighting it stay in
 * provider.ts. Like provider.ts it must not load oauth4webapi statically: the flows are imported
 * on demand.
 *
 * @module
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 */

import type { EnvStore } from "../config/env_store.ts";
import type { Settings } from "../config/settings.ts";
import { type BridgeError, toBridgeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { SignInEvent } from "../transport/types.ts";
import type { DiscoveryCache } from "./discovery_cache.ts";
import { oauthErrorCode } from "./oauth_errors.ts";
import { CLIENT_KEYS } from "./state_keys.ts";
import { clearTokenChanges, type StoredAuth } from "./token_state.ts";
import type { ExternalClient, FlowContext, Grant, GrantKind } from "./types.ts";

type Flows = typeof import("./flows.ts");

/** What the OAuth manager remembers between renewals, shared with the grant runner. */
export interface ManagerMemory {
  /** The state file's values as last read or written. */
  values: Record<string, string>;
  /** When and how each token obtained in this process was obtained. */
  obtained: Map<string, { at: number; how: GrantKind }>;
  /** The last failed refresh (not retried for a while). */
  refreshFailure?: { error: BridgeError; at: number };
  /** The last failed or timed-out sign-in (not restarted for a while). */
  signInFailure?: { error: BridgeError; at: number };
}

/** What the grant runner needs from its manager. */
export interface GrantRunnerOptions {
  settings: Readonly<Settings>;
  log: Logger;
  store: EnvStore;
  memory: ManagerMemory;
  discovery: DiscoveryCache;
  /** The client configured outside the state file, if any (never dropped). */
  external: ExternalClient | undefined;
  clock: () => number;
  /** Tells the `watchSignIn` listeners that a browser sign-in starts or ends. */
  emitSignIn(event: SignInEvent): void;
}

/** The grants a renewal runs; each resolves with the new access token. */
export interface GrantRunner {
  /**
   * Exchanges the refresh token; resolves undefined when the grant is gone (`invalid_grant`, or
   * the client itself is refused), after clearing what no longer works.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
   */
  refresh(context: FlowContext, stored: StoredAuth): Promise<string | undefined>;
  /** Signs in without a user: client credentials (RFC 6749 §4.4) or cross-app access (SEP-990). */
  machineGrant(
    context: FlowContext,
    options: { grant: "cross-app" | "client-credentials"; stored: StoredAuth; scope?: string },
  ): Promise<string>;
  /** The sign-in with the user, announced to `watchSignIn` listeners while it runs. */
  signInWithUser(
    context: FlowContext,
    options: { stored: StoredAuth; scope?: string },
  ): Promise<string>;
  /**
   * After a refused token, runs discovery again: when the protected resource now names another
   * authorization server, the stored client and tokens belong to the old one and are dropped,
   * so the sign-in registers there anew (credentials are bound to their issuer). A failing
   * discovery keeps the old state, so a network hiccup cannot cost the refresh token.
   *
   * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration
   */
  dropIfServerMoved(stored: StoredAuth): Promise<boolean>;
}

/** Creates the grant runner of one OAuth manager. */
export function createGrantRunner(options: GrantRunnerOptions): GrantRunner {
  const { settings, log, store, memory, discovery, external, clock } = options;
  let flows: Promise<Flows> | undefined;
  const loadFlows = () => flows ??= import("./flows.ts");

  const persist = async (grant: Grant, how: GrantKind): Promise<string> => {
    memory.values = await store.update(grant.changes);
    memory.obtained.set(grant.accessToken, { at: clock(), how });
    return grant.accessToken;
  };

  const forget = async (what: "tokens" | "tokens-and-client") => {
    const changes: Record<string, string | undefined> = clearTokenChanges();
    if (what === "tokens-and-client" && !external) {
      for (const key of CLIENT_KEYS) changes[key] = undefined;
    }
    memory.values = await store.update(changes);
  };

  return {
    async refresh(context, stored) {
      const flowsModule = await loadFlows();
      try {
        const grant = await flowsModule.refreshTokens(context, {
          stored,
          external,
          discovery: discovery.current,
          discover: discovery.get,
        });
        memory.refreshFailure = undefined;
        log.debug("Access token refreshed");
        return await persist(grant, "refresh");
      } catch (error) {
        const code = oauthErrorCode(error);
        if (
          code !== "invalid_grant" && code !== "invalid_client" && code !== "unauthorized_client"
        ) {
          const failure = toBridgeError(error);
          if (failure.kind !== "interrupted") {
            memory.refreshFailure = { error: failure, at: clock() };
          }
          throw failure;
        }
        log.info(`Cannot refresh access token: authorization server answered "${code}"`);
        await forget(code === "invalid_grant" ? "tokens" : "tokens-and-client");
        return undefined;
      }
    },

    async machineGrant(context, { grant, stored, scope }) {
      const flowsModule = await loadFlows();
      const signIn = grant === "cross-app"
        ? flowsModule.signInWithCrossApp
        : flowsModule.signInWithClientCredentials;
      const result = await signIn(context, {
        discovery: await discovery.get(),
        stored,
        external,
        scope: scope ?? await discovery.chooseScope(),
      });
      return await persist(result, "sign-in");
    },

    async signInWithUser(context, { stored, scope }) {
      const flowsModule = await loadFlows();
      options.emitSignIn({
        kind: "started",
        message: `Waiting for the sign-in to ${settings.serverUrl.host} in the browser`,
      });
      try {
        const grant = await flowsModule.signInWithBrowser(context, {
          discovery: await discovery.get(),
          stored,
          external,
          scope: scope ?? await discovery.chooseScope(),
        });
        memory.signInFailure = undefined;
        return await persist(grant, "sign-in");
      } catch (error) {
        const failure = toBridgeError(error);
        if (failure.kind !== "interrupted") memory.signInFailure = { error: failure, at: clock() };
        throw failure;
      } finally {
        options.emitSignIn({ kind: "finished" });
      }
    },

    async dropIfServerMoved(stored) {
      if (!stored.issuer) return false;
      const issuer = await discovery.rediscoverIssuer();
      if (issuer === undefined || issuer === stored.issuer) return false;
      log.info(
        `Authorization server changed from "${stored.issuer}" to "${issuer}"; signing in there`,
      );
      await forget("tokens-and-client");
      return true;
    },
  };
}
