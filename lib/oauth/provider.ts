/**
 * The credential provider of the configured server: a static token from the environment, or the
 * OAuth manager, which hands out the stored access token, renews it before it expires and when
 * the server refuses it (refresh, else sign-in), steps up the scope on 403 `insufficient_scope`,
 * and persists every result to the server's `.env` under the cross-process lock. Renewals are
 * single-flight inside the process; under the lock a second process re-reads the winner's tokens
 * instead of renewing again. What to do is renewal_policy.ts's decision; running the grants is
 * grant_runner.ts's job. This module and its static imports must not load oauth4webapi: the
 * flows that use it are imported on demand (`./flows.ts`), so the proxy starts fast.
 *
 * A browser sign-in is waited for by every request that needs it, in every mode: the first
 * refusal starts it (one browser window), later refusals join it, and all of them are retried with
 * its token, bounded by `--auth-timeout`. Listeners registered with `watchSignIn` hear when it
 * starts and ends, so the proxy can hold its request timeouts and send progress meanwhile. A
 * failed or timed-out sign-in is not restarted for {@link SIGN_IN_RETRY_DELAY_MS}. With nobody
 * present (`interactive: false`) a needed sign-in fails at once, before anything is registered.
 *
 * @module
 */

import { openEnvStore } from "../config/env_store.ts";
import { canonicalServerUrl } from "../config/state_path.ts";
import {
  AUTH_LOCK_GRACE_MS,
  FRESH_TOKEN_MS,
  MAX_SCOPE_STEP_UPS,
  REFRESH_RETRY_DELAY_MS,
  SIGN_IN_RETRY_DELAY_MS,
  STATE_LOCK_TIMEOUT_MS,
  TOKEN_REFRESH_MARGIN_MS,
} from "../constants.ts";
import { toBridgeError } from "../errors.ts";
import { createStaticCredentials } from "../transport/static_credentials.ts";
import type { AuthRefusal, CredentialProvider, SignInEvent } from "../transport/types.ts";
import { createDiscoveryCache } from "./discovery_cache.ts";
import { createGrantRunner, type ManagerMemory } from "./grant_runner.ts";
import {
  decideRenewal,
  decideStepUp,
  isNarrowerThan,
  type RenewalInputs,
  type RenewalTunables,
  type RenewReason,
} from "./renewal_policy.ts";
import type {
  AuthStatus,
  CredentialProviderOptions,
  FlowContext,
  GrantKind,
  OAuthManager,
} from "./types.ts";

export type { AuthStatus, CredentialProviderOptions, OAuthManager };
import { CLIENT_KEYS } from "./state_keys.ts";
import {
  clearTokenChanges,
  isExpired,
  isExpiring,
  readStoredAuth,
  resolveExternalClient,
  type StoredAuth,
  summarizeAuthStatus,
} from "./token_state.ts";

/** Whether `provider` is an {@link OAuthManager}. */
export function isOAuthManager(provider: CredentialProvider): provider is OAuthManager {
  const candidate = provider as Partial<OAuthManager>;
  return typeof candidate.ensureToken === "function" &&
    typeof candidate.clearStoredAuth === "function" && candidate.store !== undefined;
}

/** Creates the provider: the static environment token, else the OAuth manager. */
export function createCredentialProvider(options: CredentialProviderOptions): CredentialProvider {
  if (options.settings.accessTokenSource === "env") {
    return createStaticCredentials(options.settings.accessToken);
  }
  return createOAuthManager(options);
}

interface RenewRequest {
  reason: RenewReason;
  /** The token that was refused or is expiring, if any. */
  rejected?: string;
  /** Whether a browser sign-in may run. */
  allowSignIn: boolean;
  /** The scope for a step-up sign-in. */
  scope?: string;
  signal?: AbortSignal;
}

const RENEWAL_TUNABLES: RenewalTunables = Object.freeze({
  freshTokenMs: FRESH_TOKEN_MS,
  refreshRetryDelayMs: REFRESH_RETRY_DELAY_MS,
  signInRetryDelayMs: SIGN_IN_RETRY_DELAY_MS,
});

/** Creates the OAuth manager for `options.settings.serverUrl`; nothing is read until used. */
export function createOAuthManager(options: CredentialProviderOptions): OAuthManager {
  const { settings, log } = options;
  const clock = options.now ?? Date.now;
  // A waiting process must outlast another process's browser sign-in.
  const store = options.store ?? openEnvStore(settings.stateFile, {
    lockTimeoutMs: Math.max(
      STATE_LOCK_TIMEOUT_MS,
      settings.oauth.authTimeoutMs + AUTH_LOCK_GRACE_MS,
    ),
  });
  const memory: ManagerMemory = { values: { ...settings.stateValues }, obtained: new Map() };
  const { obtained } = memory;
  let pending: Promise<string> | undefined;
  const signInListeners = new Set<(event: SignInEvent) => void>();
  const stepUps = new Map<string, number>();

  const external = resolveExternalClient(settings);

  const flowContext = (signal?: AbortSignal): FlowContext => {
    const io = signal
      ? { ...options.io, signal: AbortSignal.any([options.io.signal, signal]) }
      : options.io;
    return {
      settings,
      fetch: options.fetch,
      log,
      io,
      signal: io.signal,
      store,
      serverUrl: settings.serverUrl,
      now: clock,
      sleep: options.sleep,
    };
  };

  const discovery = createDiscoveryCache({
    serverUrl: settings.serverUrl,
    scopeOverride: settings.oauth.scope,
    log,
    context: () => flowContext(),
  });
  const getDiscovery = discovery.get;
  const grants = createGrantRunner({
    settings,
    log,
    store,
    memory,
    discovery,
    external,
    clock,
    emitSignIn(event) {
      for (const listener of signInListeners) listener(event);
    },
  });

  /** The inputs of {@link decideRenewal} for `request` against what is stored now. */
  const renewalInputs = (
    request: RenewRequest,
    stored: StoredAuth,
    extra: { origin?: { at: number; how: GrantKind }; refreshGivenUp: boolean },
  ): RenewalInputs => ({
    reason: request.reason,
    rejected: request.rejected,
    allowSignIn: request.allowSignIn,
    scope: request.scope,
    stored,
    now: clock(),
    refreshMarginMs: stored.accessToken
      ? refreshMargin(stored.accessToken, stored)
      : TOKEN_REFRESH_MARGIN_MS,
    origin: extra.origin,
    requestedScope: settings.oauth.scope,
    refreshGivenUp: extra.refreshGivenUp,
    refreshFailure: memory.refreshFailure,
    signInFailure: memory.signInFailure,
    machineGrant: settings.oauth.crossApp
      ? "cross-app"
      : settings.oauth.clientCredentials
      ? "client-credentials"
      : undefined,
    interactive: options.interactive,
    absence: options.absence,
    tunables: RENEWAL_TUNABLES,
  });

  /** Renews under the lock, doing what {@link decideRenewal} says until it yields a token. */
  const renew = (request: RenewRequest): Promise<string> =>
    store.withLock(async () => {
      memory.values = await store.read();
      let stored: StoredAuth = readStoredAuth(memory.values);
      let decision = decideRenewal(renewalInputs(request, stored, { refreshGivenUp: false }));
      if (decision.kind === "reuse") return decision.token;
      // A refused token may mean the server moved to another authorization server.
      const moved = request.reason === "refused" && request.rejected !== undefined &&
        await grants.dropIfServerMoved(stored);
      if (moved) stored = readStoredAuth(memory.values);
      const origin = request.rejected && !moved ? obtained.get(request.rejected) : undefined;
      let refreshGivenUp = false;
      const context = flowContext(request.signal);
      while (true) {
        decision = decideRenewal(renewalInputs(request, stored, { origin, refreshGivenUp }));
        switch (decision.kind) {
          case "reuse":
            return decision.token;
          case "fail":
            throw decision.error;
          case "refresh": {
            const refreshed = await grants.refresh(context, stored);
            if (refreshed !== undefined) return refreshed;
            stored = readStoredAuth(memory.values);
            refreshGivenUp = true;
            continue;
          }
          case "machine-grant":
            return await grants.machineGrant(context, {
              grant: decision.grant,
              stored,
              scope: request.scope,
            });
          case "sign-in":
            return await grants.signInWithUser(context, { stored, scope: request.scope });
        }
      }
    });

  /** Joins the renewal in flight (unless it produced the very token that was rejected). */
  const singleFlight = async (request: RenewRequest): Promise<string> => {
    while (pending) {
      const token = await pending;
      if (token !== request.rejected) return token;
    }
    const run = renew(request);
    pending = run;
    try {
      return await run;
    } finally {
      if (pending === run) pending = undefined;
    }
  };

  /** The proactive refresh margin; at most half the lifetime of a token obtained here. */
  const refreshMargin = (token: string, stored: StoredAuth): number => {
    const origin = obtained.get(token);
    if (!origin || !stored.expiresAt) return TOKEN_REFRESH_MARGIN_MS;
    return Math.min(TOKEN_REFRESH_MARGIN_MS, (stored.expiresAt.getTime() - origin.at) / 2);
  };

  /** The token at hand, returned as it is; a promise only while a renewal runs or is due. */
  const accessToken = (): string | undefined | Promise<string | undefined> =>
    pending ? afterRenewal(pending) : storedToken();

  const afterRenewal = async (renewal: Promise<string>): Promise<string | undefined> => {
    try {
      return await renewal;
    } catch {
      return await storedToken(); // what is stored
    }
  };

  const storedToken = (): string | undefined | Promise<string | undefined> => {
    const stored = readStoredAuth(memory.values);
    // Granted less than --scope asks for: a sign-in for the wider scope is due, not this token.
    if (isNarrowerThan(stored, settings.oauth.scope)) return undefined;
    const token = stored.accessToken;
    const now = clock();
    if (!token || !isExpiring(stored, now, refreshMargin(token, stored))) return token;
    if (!stored.refreshToken && !settings.oauth.clientCredentials && !settings.oauth.crossApp) {
      return isExpired(stored, now) ? undefined : token;
    }
    return renewExpiring(token);
  };

  const renewExpiring = async (token: string): Promise<string | undefined> => {
    try {
      return await singleFlight({ reason: "expiring", rejected: token, allowSignIn: false });
    } catch (error) {
      const failure = toBridgeError(error);
      const level = failure.kind === "auth_required" ? "debug" : "warn";
      log[level](failure.message);
      const now2 = clock();
      const after = readStoredAuth(memory.values);
      return after.accessToken && !isExpired(after, now2) ? after.accessToken : undefined;
    }
  };

  const handleRefusal = async (refusal: AuthRefusal): Promise<string> => {
    if (refusal.challenge) discovery.noteChallenge(refusal.challenge);
    if (refusal.status === 403) {
      // Sign-ins are counted, not step-ups: a token from a browser sign-in was the first try.
      const rejected = refusal.rejectedToken;
      const decision = decideStepUp({
        challengeError: refusal.challenge?.params.error,
        challengeScope: refusal.challenge?.params.scope,
        depth: rejected
          ? stepUps.get(rejected) ?? (obtained.get(rejected)?.how === "sign-in" ? 1 : 0)
          : 0,
        maxSignIns: MAX_SCOPE_STEP_UPS,
        baseScope: settings.oauth.scope ?? readStoredAuth(memory.values).scope,
      });
      if (decision.kind === "fail") throw decision.error;
      const token = await singleFlight({
        reason: "step-up",
        rejected,
        allowSignIn: true,
        scope: decision.scope,
      });
      stepUps.set(token, decision.depth + 1);
      return token;
    }
    return await singleFlight({
      reason: "refused",
      rejected: refusal.rejectedToken,
      allowSignIn: true,
    });
  };

  return {
    store,
    accessToken,
    handleRefusal,
    watchSignIn(listener) {
      signInListeners.add(listener);
      return () => signInListeners.delete(listener);
    },
    async ensureToken(ensure = {}) {
      if (!ensure.forceRefresh) {
        const token = await accessToken();
        if (token) return token;
      }
      return await singleFlight({
        reason: ensure.forceRefresh ? "forced" : "refused",
        rejected: readStoredAuth(memory.values).accessToken,
        allowSignIn: true,
        signal: ensure.signal,
      });
    },
    discover: getDiscovery,
    async status() {
      memory.values = await store.read();
      return summarizeAuthStatus(readStoredAuth(memory.values), {
        serverUrl: canonicalServerUrl(settings.serverUrl),
        stateFile: store.path,
        external,
      });
    },
    async clearStoredAuth(what) {
      const changes: Record<string, string | undefined> = clearTokenChanges();
      if (what === "all") { for (const key of CLIENT_KEYS) changes[key] = undefined; }
      memory.values = await store.update(changes);
      obtained.clear();
      stepUps.clear();
      memory.signInFailure = undefined;
      memory.refreshFailure = undefined;
      if (what === "all") discovery.clear();
    },
  };
}
