/**
 * The device authorization grant (RFC 8628) for hosts without a browser: ask the authorization
 * server for a device code, show the person the verification URL and the user code on stderr,
 * then poll the token endpoint at the server's interval until they approve on any other device,
 * deny, or the code or `--auth-timeout` runs out. Requests and checks go through oauth4webapi;
 * the wait between polls is injectable so tests never sleep. Persists nothing.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8628
 * @module
 */

import * as oauth from "oauth4webapi";
import { sleep as realSleep } from "../async.ts";
import { BridgeError } from "../errors.ts";
import { registerSecret } from "../log.ts";
import { validateAuthorizationUrl } from "./browser.ts";
import { requestOptions } from "./discovery.ts";
import { toOAuthBridgeError } from "./oauth_errors.ts";
import type { FlowContext } from "./types.ts";

/** RFC 8628 §3.2: the polling interval when the server names none, in ms. */
export const DEFAULT_DEVICE_INTERVAL_MS = 5_000;
/** RFC 8628 §3.5: how much `slow_down` adds to the interval, in ms. */
export const SLOW_DOWN_STEP_MS = 5_000;

/** What to do after one poll of the token endpoint. Pure. */
export type PollVerdict =
  | { kind: "wait"; intervalMs: number }
  | { kind: "fail"; error: BridgeError };

/** Classifies a token-endpoint error code during device polling (RFC 8628 §3.5). */
export function classifyDevicePoll(code: string, intervalMs: number): PollVerdict {
  switch (code) {
    case "authorization_pending":
      return { kind: "wait", intervalMs };
    case "slow_down":
      return { kind: "wait", intervalMs: intervalMs + SLOW_DOWN_STEP_MS };
    case "access_denied":
      return {
        kind: "fail",
        error: new BridgeError("auth_failed", "Sign-in was denied at the authorization server", {
          hint: "Approve the request on the verification page, then try again",
        }),
      };
    case "expired_token":
      return {
        kind: "fail",
        error: new BridgeError("auth_required", "Sign-in did not finish: the device code expired", {
          hint: "Start the sign-in again and enter the code sooner",
        }),
      };
    default:
      return {
        kind: "fail",
        error: new BridgeError(
          "auth_failed",
          `Cannot sign in: authorization server answered "${code}"`,
        ),
      };
  }
}

/** The lines that tell the person where to go and what to enter. Pure. */
export function formatDevicePrompt(options: {
  host: string;
  verificationUri: string;
  verificationUriComplete?: string;
  userCode: string;
}): string[] {
  const lines = [
    `Sign in to ${options.host} on any device: visit ${options.verificationUri}`,
    `and enter the code ${options.userCode}`,
  ];
  if (options.verificationUriComplete) {
    lines.push(`(or open ${options.verificationUriComplete}, which carries the code)`);
  }
  return lines;
}

/** Refuses an authorization server without a `device_authorization_endpoint`. */
export function requireDeviceFlow(
  as: Pick<oauth.AuthorizationServer, "device_authorization_endpoint">,
) {
  if (!as.device_authorization_endpoint) {
    throw new BridgeError(
      "auth_failed",
      "Cannot sign in with --device-code: the authorization server does not offer the device flow",
      { hint: "Sign in without --device-code (the printed URL can be opened on any machine)" },
    );
  }
}

/** Options of {@link runDeviceAuthorization}. */
export interface DeviceAuthorizationOptions {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  scope?: string;
  resource?: string;
  /** Waits between polls (default: a real timer); tests resolve it on a condition. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Runs the device flow to the end; resolves with the token response. */
export async function runDeviceAuthorization(
  context: FlowContext,
  options: DeviceAuthorizationOptions,
): Promise<oauth.TokenEndpointResponse> {
  const { as, client, auth } = options;
  const { io, settings } = context;
  const now = context.now ?? Date.now;
  const wait = options.sleep ?? realSleep;
  requireDeviceFlow(as);
  const parameters: Record<string, string> = {};
  if (options.scope) parameters.scope = options.scope;
  if (options.resource) parameters.resource = options.resource;
  let started: oauth.DeviceAuthorizationResponse;
  try {
    const response = await oauth.deviceAuthorizationRequest(
      as,
      client,
      auth,
      parameters,
      requestOptions(context, as.device_authorization_endpoint),
    );
    started = await oauth.processDeviceAuthorizationResponse(as, client, response);
  } catch (error) {
    throw toOAuthBridgeError(error, "start the device sign-in");
  }
  registerSecret(started.device_code);
  const verification = validateAuthorizationUrl(started.verification_uri, settings.allowHttp);
  const complete = started.verification_uri_complete
    ? validateAuthorizationUrl(started.verification_uri_complete, settings.allowHttp).href
    : undefined;
  for (
    const line of formatDevicePrompt({
      host: context.serverUrl.host,
      verificationUri: verification.href,
      verificationUriComplete: complete,
      userCode: started.user_code,
    })
  ) io.stderr(line);

  const deadline = now() + Math.min(started.expires_in * 1000, settings.oauth.authTimeoutMs);
  let intervalMs = typeof started.interval === "number"
    ? started.interval * 1000
    : DEFAULT_DEVICE_INTERVAL_MS;
  for (;;) {
    if (now() + intervalMs > deadline) {
      const seconds = Number((settings.oauth.authTimeoutMs / 1000).toFixed(1));
      throw new BridgeError(
        "auth_required",
        `Sign-in did not finish within ${seconds} s (--auth-timeout)`,
        { hint: "Enter the code on the verification page sooner, or raise --auth-timeout" },
      );
    }
    try {
      await wait(intervalMs, io.signal);
    } catch (error) {
      throw error instanceof BridgeError
        ? error
        : new BridgeError("interrupted", "Sign-in was interrupted");
    }
    try {
      const response = await oauth.deviceCodeGrantRequest(
        as,
        client,
        auth,
        started.device_code,
        {
          ...requestOptions(context, as.token_endpoint),
          additionalParameters: options.resource ? { resource: options.resource } : {},
        },
      );
      return await oauth.processDeviceCodeResponse(as, client, response);
    } catch (error) {
      if (!(error instanceof oauth.ResponseBodyError)) {
        throw toOAuthBridgeError(error, "sign in");
      }
      const verdict = classifyDevicePoll(error.error, intervalMs);
      if (verdict.kind === "fail") throw verdict.error;
      intervalMs = verdict.intervalMs;
    }
  }
}
