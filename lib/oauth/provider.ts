/**
 * The credential provider of the configured server: a static token from the environment, or the
 * OAuth manager, which hands out the stored access token, renews it before it expires and when
 * the server refuses it (refresh, else sign-in), steps up the scope on 403 `insufficient_scope`,
 * and persists every result to the server's `.env` under the cross-process lock. Renewals are
 * single-flight inside the process; under the lock a second process re-reads the winner's tokens
 * instead of renewing again. This module and its static imports must not load oauth4webapi: the
 * flows that use it are imported on demand (`./flows.ts`), so the proxy starts fast.
 *
 * When a browser sign-in is needed, `signInMode` decides who waits for it. With `"wait"` (CLI
 * modes) the refused request waits up to `--auth-timeout`. With `"background"` (proxy mode) that
 * holds only while the session is being set up (the transport says so in
 * `AuthRefusal.sessionEstablished`: the server has not answered `initialize` yet, and a client
 * cannot easily retry `initialize`). Once the session runs, a refusal that needs the browser
 * (refresh answered `invalid_grant`, or no refresh token) starts the sign-in once, in the
 * background and under the lock, and the refused request fails at once with `auth_required`;
 * every refusal while that sign-in runs fails the same way without a second browser window, and
 * requests after it use the new token. A step-up still waits, as its retry limit counts the
 * tokens it produces. A failed or timed-out background sign-in is not restarted for
 * {@link SIGN_IN_RETRY_DELAY_MS}.
 *
 * @module
 */

import type { ProcessIo } from "../process_io.ts";
import { type EnvStore, openEnvStore } from "../config/env_store.ts";
import type { Settings } from "../config/settings.ts";
import { canonicalServerUrl } from "../config/state_path.ts";
import {
  AUTH_LOCK_GRACE_MS,
  FRESH_TOKEN_MS,
  MAX_SCOPE_STEP_UPS,
  PROGRAM_NAME,
  REFRESH_RETRY_DELAY_MS,
  SIGN_IN_RETRY_DELAY_MS,
  STATE_LOCK_TIMEOUT_MS,
  TOKEN_REFRESH_MARGIN_MS,
} from "../constants.ts";
import { BridgeError, toBridgeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { createStaticCredentials } from "../transport/static_credentials.ts";
import type { AuthChallenge, AuthRefusal, CredentialProvider } from "../transport/types.ts";
import { oauthErrorCode } from "./oauth_errors.ts";
import { selectScope, splitScope, unionScopes } from "./scope.ts";
import type { DiscoveryResult } from "./types.ts";
import { CLIENT_KEYS, MCP_CLIENT_ID } from "./state_keys.ts";
import {
  clearTokenChanges,
  formatTokenPrefix,
  isExpired,
  isExpiring,
  readStoredAuth,
  type StoredAuth,
} from "./token_state.ts";

type Flows = typeof import("./flows.ts");

/** Options of {@link createCredentialProvider} and {@link createOAuthManager}. */
export interface CredentialProviderOptions {
  settings: Readonly<Settings>;
  log: Logger;
  fetch: typeof fetch;
  io: ProcessIo;
  /** Whether a browser sign-in may be started. */
  interactive: boolean;
  /**
   * Who waits for a browser sign-in: the refused request (`"wait"`, the default), or, once the
   * session is established, nobody (`"background"`, proxy mode): the request fails with
   * `auth_required` while the sign-in runs in the background.
   */
  signInMode?: "wait" | "background";
  /** The state store to use (default: `openEnvStore(settings.stateFile)`). */
  store?: EnvStore;
  /** The clock, in ms since the epoch (default `Date.now`); tests move it instead of waiting. */
  now?: () => number;
  /** Waits between device-flow polls (default a real timer); tests resolve it on a condition. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What is stored for the server, without revealing any secret. */
export interface AuthStatus {
  serverUrl: string;
  stateFile: string;
  clientId?: string;
  hasClientSecret: boolean;
  registrationUri?: string;
  hasRegistrationToken: boolean;
  /** A short prefix of the access token. */
  accessTokenPrefix?: string;
  expiresAt?: Date;
  hasRefreshToken: boolean;
  scope?: string;
  issuer?: string;
}

/** The OAuth credential provider, with the operations the auth commands need. */
export interface OAuthManager extends CredentialProvider {
  /** The stored state, read from the file now. */
  status(): Promise<AuthStatus>;
  /**
   * A usable access token: the stored one, else refreshed, else signed in (browser or client
   * credentials). `forceRefresh` renews even a token that is not about to expire.
   */
  ensureToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
  /** Runs (or returns the cached) authorization server discovery. */
  discover(): Promise<DiscoveryResult>;
  /** Removes the stored tokens, or the tokens and the client registration. */
  clearStoredAuth(what: "tokens" | "all"): Promise<void>;
  /** The server's state file. */
  readonly store: EnvStore;
}

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

type RenewReason = "expiring" | "refused" | "forced" | "step-up";

interface RenewRequest {
  reason: RenewReason;
  /** The token that was refused or is expiring, if any. */
  rejected?: string;
  /** Whether a browser sign-in may run. */
  allowSignIn: boolean;
  /** The scope for a step-up sign-in. */
  scope?: string;
  /** Hand a needed browser sign-in to the background instead of running it. */
  defer?: boolean;
  /** The step-up depth of the refused token (step-up only). */
  stepUpDepth?: number;
  /** The refused request belongs to a running session (see the module comment). */
  sessionEstablished?: boolean;
  signal?: AbortSignal;
}

/** Thrown by `renew` under the lock when a deferred browser sign-in is needed. */
class SignInDeferred extends Error {}

function coversScope(granted: string | undefined, required: string | undefined): boolean {
  const have = new Set(splitScope(granted));
  return splitScope(required).every((scope) => have.has(scope));
}

function signInNeeded(): BridgeError {
  return new BridgeError(
    "auth_required",
    "Sign-in is needed: the server requires authorization and no valid token is stored",
    { hint: `Run \`${PROGRAM_NAME} --token\` to sign in` },
  );
}

function signInRunning(): BridgeError {
  return new BridgeError(
    "auth_required",
    "Sign-in needed: complete it in the browser (URL on stderr), then retry",
    {
      hint: "Open the URL printed on stderr if no browser window appeared; then retry the request",
    },
  );
}

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
  let discovery: DiscoveryResult | undefined;
  let lastChallenge: AuthChallenge | undefined;
  let pending: Promise<string> | undefined;
  /** The background browser sign-in in flight (`signInMode: "background"`). */
  let background: Promise<string> | undefined;
  let flows: Promise<Flows> | undefined;
  let signInFailure: { error: BridgeError; at: number } | undefined;
  let refreshFailure: { error: BridgeError; at: number } | undefined;
  const obtained = new Map<string, { at: number; how: "refresh" | "sign-in" }>();
  const stepUps = new Map<string, number>();

  const external = (() => {
    const env = settings.env;
    if (env.MCP_CLIENT_ID) {
      return { clientId: env.MCP_CLIENT_ID, clientSecret: env.MCP_CLIENT_SECRET || undefined };
    }
    const id = settings.oauth.clientId;
    if (id && id !== settings.stateValues[MCP_CLIENT_ID]) {
      return { clientId: id, clientSecret: settings.oauth.clientSecret };
    }
    return undefined;
  })();

  const loadFlows = () => flows ??= import("./flows.ts");

  const flowContext = (signal?: AbortSignal) => ({
    settings,
    fetch: options.fetch,
    log,
    io: signal
      ? { ...options.io, signal: AbortSignal.any([options.io.signal, signal]) }
      : options.io,
    store,
    serverUrl: settings.serverUrl,
    now: clock,
    sleep: options.sleep,
  });

  const getDiscovery = async (): Promise<DiscoveryResult> => {
    if (discovery) return discovery;
    const { discover } = await import("./discovery.ts");
    discovery = await discover(flowContext(), settings.serverUrl, lastChallenge);
    return discovery;
  };

  const persist = async (
    grant: { accessToken: string; changes: Record<string, string | undefined> },
    how: "refresh" | "sign-in",
  ): Promise<string> => {
    values = await store.update(grant.changes);
    obtained.set(grant.accessToken, { at: clock(), how });
    return grant.accessToken;
  };

  const chooseScope = async (): Promise<string | undefined> => {
    if (settings.oauth.scope) return selectScope({ override: settings.oauth.scope });
    const challengeScope = lastChallenge?.params.scope;
    if (challengeScope) return selectScope({ challenge: challengeScope });
    const found = await getDiscovery();
    const supported = found.resourceMetadata?.scopes_supported;
    return selectScope({
      supported: Array.isArray(supported) ? supported.filter((s) => typeof s === "string") : [],
    });
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
    const previous = discovery;
    discovery = undefined;
    let issuer: string;
    try {
      issuer = (await getDiscovery()).authorizationServer.issuer;
    } catch (error) {
      discovery = previous;
      log.debug(`Cannot run discovery again: ${toBridgeError(error).message}`);
      return false;
    }
    if (issuer === stored.issuer) return false;
    log.info(
      `Authorization server changed from "${stored.issuer}" to "${issuer}"; signing in there`,
    );
    const changes: Record<string, string | undefined> = clearTokenChanges();
    if (!external) { for (const key of CLIENT_KEYS) changes[key] = undefined; }
    values = await store.update(changes);
    return true;
  };

  /** Renews under the lock: reuse another process's token, refresh, else sign in. */
  const renew = (request: RenewRequest): Promise<string> =>
    store.withLock(async () => {
      values = await store.read();
      let stored: StoredAuth = readStoredAuth(values);
      const now = clock();
      const current = stored.accessToken;
      if (current && current !== request.rejected && !isExpiring(stored, now, 0)) {
        if (
          request.reason === "expiring" && !isExpiring(stored, now, refreshMargin(current, stored))
        ) {
          return current;
        }
        if (request.reason === "refused") return current;
        if (request.reason === "step-up" && coversScope(stored.scope, request.scope)) {
          return current;
        }
      }

      const moved = request.reason === "refused" && request.rejected !== undefined &&
        await dropIfServerMoved(stored);
      if (moved) stored = readStoredAuth(values);
      const origin = request.rejected && !moved ? obtained.get(request.rejected) : undefined;
      const fresh = origin !== undefined && now - origin.at < FRESH_TOKEN_MS;
      if (request.reason === "refused" && fresh && origin.how === "sign-in") {
        throw new BridgeError(
          "auth_failed",
          "Server refused a newly issued access token: HTTP 401",
          {
            hint:
              "The server does not accept its authorization server's tokens; contact its operator",
          },
        );
      }
      const flowsModule = await loadFlows();
      const context = flowContext(request.signal);

      const mayRefresh = request.reason !== "step-up" &&
        !(request.reason === "refused" && fresh && origin.how === "refresh");
      if (stored.refreshToken && mayRefresh) {
        if (refreshFailure && now - refreshFailure.at < REFRESH_RETRY_DELAY_MS) {
          throw refreshFailure.error;
        }
        try {
          const grant = await flowsModule.refreshTokens(context, {
            stored,
            external,
            discovery,
            discover: getDiscovery,
          });
          refreshFailure = undefined;
          log.debug("Access token refreshed");
          return await persist(grant, "refresh");
        } catch (error) {
          const code = oauthErrorCode(error);
          if (
            code === "invalid_grant" || code === "invalid_client" || code === "unauthorized_client"
          ) {
            log.info(`Cannot refresh access token: authorization server answered "${code}"`);
            const changes: Record<string, string | undefined> = clearTokenChanges();
            if (code !== "invalid_grant" && !external) {
              for (const key of CLIENT_KEYS) changes[key] = undefined;
            }
            values = await store.update(changes);
            stored = readStoredAuth(values);
          } else {
            const failure = toBridgeError(error);
            refreshFailure = { error: failure, at: clock() };
            throw failure;
          }
        }
      }

      if (settings.oauth.crossApp) {
        const grant = await flowsModule.signInWithCrossApp(context, {
          discovery: await getDiscovery(),
          stored,
          external,
          scope: request.scope ?? await chooseScope(),
        });
        return await persist(grant, "sign-in");
      }
      if (settings.oauth.clientCredentials) {
        const grant = await flowsModule.signInWithClientCredentials(context, {
          discovery: await getDiscovery(),
          stored,
          external,
          scope: request.scope ?? await chooseScope(),
        });
        return await persist(grant, "sign-in");
      }

      if (!request.allowSignIn || !options.interactive) throw signInNeeded();
      if (signInFailure && clock() - signInFailure.at < SIGN_IN_RETRY_DELAY_MS) {
        throw signInFailure.error;
      }
      if (request.defer) throw new SignInDeferred();
      try {
        const found = await getDiscovery();
        const grant = await flowsModule.signInWithBrowser(context, {
          discovery: found,
          stored,
          external,
          scope: request.scope ?? await chooseScope(),
        });
        signInFailure = undefined;
        return await persist(grant, "sign-in");
      } catch (error) {
        const failure = toBridgeError(error);
        signInFailure = { error: failure, at: clock() };
        throw failure;
      }
    });

  /**
   * Runs the browser sign-in `request` needs in the background, under its own hold of the lock
   * (another process may have signed in meanwhile: its token is reused). At most one at a time.
   */
  const startBackgroundSignIn = (request: RenewRequest): void => {
    if (background) return;
    log.info("Signing in again in the background; requests fail until it completes");
    const run = renew({ ...request, defer: false, signal: undefined });
    background = run;
    run.then((token) => {
      if (request.reason === "step-up") stepUps.set(token, (request.stepUpDepth ?? 0) + 1);
      log.info("Signed in again; new requests use the new access token");
    }, (error) => {
      if (!options.io.signal.aborted) {
        log.warn(`Background sign-in failed: ${toBridgeError(error).message}`);
      }
    }).finally(() => {
      if (background === run) background = undefined;
    });
  };

  /** Runs `renew`, handing a deferred sign-in to the background. */
  const renewOrDefer = async (request: RenewRequest): Promise<string> => {
    // A step-up waits in the foreground: its retry limit counts the tokens it produces.
    const defer = options.signInMode === "background" && request.sessionEstablished === true &&
      request.allowSignIn && request.reason !== "step-up";
    try {
      return await renew({ ...request, defer });
    } catch (error) {
      if (!(error instanceof SignInDeferred)) throw error;
      startBackgroundSignIn(request);
      throw signInRunning();
    }
  };

  /** Joins the renewal in flight (unless it produced the very token that was rejected). */
  const singleFlight = async (request: RenewRequest): Promise<string> => {
    while (pending) {
      const token = await pending;
      if (token !== request.rejected) return token;
    }
    const run = renewOrDefer(request);
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
    if (refusal.challenge && refusal.challenge.scheme === "bearer") {
      lastChallenge = refusal.challenge;
    }
    // One browser window at a time; its token is used once it completes.
    if (background) throw signInRunning();
    if (refusal.status === 403) {
      if (refusal.challenge?.params.error !== "insufficient_scope") {
        throw new BridgeError("auth_failed", "Server refused the request: HTTP 403", {
          status: 403,
          hint: "The signed-in account lacks permission for this request",
        });
      }
      // Sign-ins are counted, not step-ups: a token from a browser sign-in was the first try.
      const rejected = refusal.rejectedToken;
      const depth = rejected
        ? stepUps.get(rejected) ?? (obtained.get(rejected)?.how === "sign-in" ? 1 : 0)
        : 0;
      if (depth >= MAX_SCOPE_STEP_UPS) {
        throw new BridgeError(
          "auth_failed",
          `Cannot obtain the required scope: server still answered "insufficient_scope" after ${MAX_SCOPE_STEP_UPS} sign-ins`,
          {
            status: 403,
            hint: "The account may not be allowed this scope; check with the server's operator",
          },
        );
      }
      const stored = readStoredAuth(values);
      const scope = unionScopes(
        settings.oauth.scope ?? stored.scope,
        refusal.challenge.params.scope,
      );
      const token = await singleFlight({
        reason: "step-up",
        rejected: refusal.rejectedToken,
        allowSignIn: true,
        scope,
        stepUpDepth: depth,
        sessionEstablished: refusal.sessionEstablished,
      });
      stepUps.set(token, depth + 1);
      return token;
    }
    return await singleFlight({
      reason: "refused",
      rejected: refusal.rejectedToken,
      allowSignIn: true,
      sessionEstablished: refusal.sessionEstablished,
    });
  };

  return {
    store,
    accessToken,
    handleRefusal,
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
      const stored = readStoredAuth(values);
      return {
        serverUrl: canonicalServerUrl(settings.serverUrl),
        stateFile: store.path,
        clientId: external?.clientId ?? stored.clientId,
        hasClientSecret: Boolean(external ? external.clientSecret : stored.clientSecret),
        registrationUri: stored.registrationUri,
        hasRegistrationToken: Boolean(stored.registrationToken),
        accessTokenPrefix: stored.accessToken ? formatTokenPrefix(stored.accessToken) : undefined,
        expiresAt: stored.expiresAt,
        hasRefreshToken: Boolean(stored.refreshToken),
        scope: stored.scope,
        issuer: stored.issuer,
      };
    },
    async clearStoredAuth(what) {
      const changes: Record<string, string | undefined> = clearTokenChanges();
      if (what === "all") { for (const key of CLIENT_KEYS) changes[key] = undefined; }
      values = await store.update(changes);
      obtained.clear();
      stepUps.clear();
      signInFailure = undefined;
      refreshFailure = undefined;
      if (what === "all") discovery = undefined;
    },
  };
}
