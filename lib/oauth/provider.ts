/**
 * The credential provider of the configured server: a static token from the environment, or the
 * OAuth manager, which hands out the stored access token, renews it before it expires and when
 * the server refuses it (refresh, else sign-in), steps up the scope on 403 `insufficient_scope`,
 * and persists every result to the server's `.env` under the cross-process lock. Renewals are
 * single-flight inside the process; under the lock a second process re-reads the winner's tokens
 * instead of renewing again. This module and its static imports must not load oauth4webapi: the
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
import { type BridgeError, toBridgeError } from "../errors.ts";
import { createStaticCredentials } from "../transport/static_credentials.ts";
import type { AuthRefusal, CredentialProvider, SignInEvent } from "../transport/types.ts";
import { oauthErrorCode } from "./oauth_errors.ts";
import { createDiscoveryCache } from "./discovery_cache.ts";
import {
  decideRenewal,
  decideStepUp,
  isNarrowerThan,
  type RenewalInputs,
  type RenewalTunables,
  type RenewReason,
} from "./renewal_policy.ts";
import type { AuthStatus, CredentialProviderOptions, GrantKind, OAuthManager } from "./types.ts";

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

type Flows = typeof import("./flows.ts");

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
  let values: Record<string, string> = { ...settings.stateValues };
  let pending: Promise<string> | undefined;
  const signInListeners = new Set<(event: SignInEvent) => void>();
  const emitSignIn = (event: SignInEvent) => {
    for (const listener of signInListeners) listener(event);
  };
  let flows: Promise<Flows> | undefined;
  let signInFailure: { error: BridgeError; at: number } | undefined;
  let refreshFailure: { error: BridgeError; at: number } | undefined;
  const obtained = new Map<string, { at: number; how: "refresh" | "sign-in" }>();
  const stepUps = new Map<string, number>();

  const external = resolveExternalClient(settings);

  const loadFlows = () => flows ??= import("./flows.ts");

  const flowContext = (signal?: AbortSignal) => {
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
  const chooseScope = discovery.chooseScope;

  const persist = async (
    grant: { accessToken: string; changes: Record<string, string | undefined> },
    how: "refresh" | "sign-in",
  ): Promise<string> => {
    values = await store.update(grant.changes);
    obtained.set(grant.accessToken, { at: clock(), how });
    return grant.accessToken;
  };

  /**
   * After a refused token, runs discovery again: when the protected resource now names another
   * authorization server, the stored client and tokens belong to the old one and are dropped,
   * so the sign-in registers there anew (credentials are bound to their issuer). A failing
   * discovery keeps the old state, so a network hiccup cannot cost the refresh token.
   *
   * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration
   */
  const dropIfServerMoved = async (stored: StoredAuth): Promise<boolean> => {
    if (!stored.issuer) return false;
    const issuer = await discovery.rediscoverIssuer();
    if (issuer === undefined || issuer === stored.issuer) return false;
    log.info(
      `Authorization server changed from "${stored.issuer}" to "${issuer}"; signing in there`,
    );
    const changes: Record<string, string | undefined> = clearTokenChanges();
    if (!external) { for (const key of CLIENT_KEYS) changes[key] = undefined; }
    values = await store.update(changes);
    return true;
  };

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
    refreshFailure,
    signInFailure,
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
      values = await store.read();
      let stored: StoredAuth = readStoredAuth(values);
      let decision = decideRenewal(renewalInputs(request, stored, { refreshGivenUp: false }));
      if (decision.kind === "reuse") return decision.token;
      // A refused token may mean the server moved to another authorization server.
      const moved = request.reason === "refused" && request.rejected !== undefined &&
        await dropIfServerMoved(stored);
      if (moved) stored = readStoredAuth(values);
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
            const refreshed = await tryRefresh(context, stored);
            if (refreshed !== undefined) return refreshed;
            stored = readStoredAuth(values);
            refreshGivenUp = true;
            continue;
          }
          case "machine-grant": {
            const flowsModule = await loadFlows();
            const signIn = decision.grant === "cross-app"
              ? flowsModule.signInWithCrossApp
              : flowsModule.signInWithClientCredentials;
            const grant = await signIn(context, {
              discovery: await getDiscovery(),
              stored,
              external,
              scope: request.scope ?? await chooseScope(),
            });
            return await persist(grant, "sign-in");
          }
          case "sign-in":
            return await signInWithUser(context, request, stored);
        }
      }
    });

  /**
   * Exchanges the refresh token; resolves undefined when the grant is gone (`invalid_grant`, or
   * the client itself is refused), after clearing what no longer works.
   */
  const tryRefresh = async (
    context: ReturnType<typeof flowContext>,
    stored: StoredAuth,
  ): Promise<string | undefined> => {
    const flowsModule = await loadFlows();
    try {
      const grant = await flowsModule.refreshTokens(context, {
        stored,
        external,
        discovery: discovery.current,
        discover: getDiscovery,
      });
      refreshFailure = undefined;
      log.debug("Access token refreshed");
      return await persist(grant, "refresh");
    } catch (error) {
      const code = oauthErrorCode(error);
      if (code !== "invalid_grant" && code !== "invalid_client" && code !== "unauthorized_client") {
        const failure = toBridgeError(error);
        if (failure.kind !== "interrupted") refreshFailure = { error: failure, at: clock() };
        throw failure;
      }
      log.info(`Cannot refresh access token: authorization server answered "${code}"`);
      const changes: Record<string, string | undefined> = clearTokenChanges();
      if (code !== "invalid_grant" && !external) {
        for (const key of CLIENT_KEYS) changes[key] = undefined;
      }
      values = await store.update(changes);
      return undefined;
    }
  };

  /** The sign-in with the user, announced to `watchSignIn` listeners while it runs. */
  const signInWithUser = async (
    context: ReturnType<typeof flowContext>,
    request: RenewRequest,
    stored: StoredAuth,
  ): Promise<string> => {
    const flowsModule = await loadFlows();
    emitSignIn({
      kind: "started",
      message: `Waiting for the sign-in to ${settings.serverUrl.host} in the browser`,
    });
    try {
      const grant = await flowsModule.signInWithBrowser(context, {
        discovery: await getDiscovery(),
        stored,
        external,
        scope: request.scope ?? await chooseScope(),
      });
      signInFailure = undefined;
      return await persist(grant, "sign-in");
    } catch (error) {
      const failure = toBridgeError(error);
      if (failure.kind !== "interrupted") signInFailure = { error: failure, at: clock() };
      throw failure;
    } finally {
      emitSignIn({ kind: "finished" });
    }
  };

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

  const accessToken = (): Promise<string | undefined> => currentToken();

  const currentToken = async (): Promise<string | undefined> => {
    if (pending) {
      try {
        return await pending;
      } catch {
        // fall through to what is stored
      }
    }
    const stored = readStoredAuth(values);
    // Granted less than --scope asks for: a sign-in for the wider scope is due, not this token.
    if (isNarrowerThan(stored, settings.oauth.scope)) return undefined;
    const token = stored.accessToken;
    const now = clock();
    if (!token || !isExpiring(stored, now, refreshMargin(token, stored))) return token;
    if (!stored.refreshToken && !settings.oauth.clientCredentials && !settings.oauth.crossApp) {
      return isExpired(stored, now) ? undefined : token;
    }
    try {
      return await singleFlight({ reason: "expiring", rejected: token, allowSignIn: false });
    } catch (error) {
      const failure = toBridgeError(error);
      const level = failure.kind === "auth_required" ? "debug" : "warn";
      log[level](failure.message);
      const now2 = clock();
      const after = readStoredAuth(values);
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
        baseScope: settings.oauth.scope ?? readStoredAuth(values).scope,
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
        rejected: readStoredAuth(values).accessToken,
        allowSignIn: true,
        signal: ensure.signal,
      });
    },
    discover: getDiscovery,
    async status() {
      values = await store.read();
      return summarizeAuthStatus(readStoredAuth(values), {
        serverUrl: canonicalServerUrl(settings.serverUrl),
        stateFile: store.path,
        external,
      });
    },
    async clearStoredAuth(what) {
      const changes: Record<string, string | undefined> = clearTokenChanges();
      if (what === "all") { for (const key of CLIENT_KEYS) changes[key] = undefined; }
      values = await store.update(changes);
      obtained.clear();
      stepUps.clear();
      signInFailure = undefined;
      refreshFailure = undefined;
      if (what === "all") discovery.clear();
    },
  };
}
