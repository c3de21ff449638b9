/**
 * Shared set-up of the OAuth tests: an authorization server fixture guarding the MCP server
 * fixture, settings resolved the way the program resolves them, a ProcessIo that captures
 * stderr, and a tiny client that sends one request with the manager's token and reports refusals
 * the way the transport does. Test code only.
 *
 * @module
 */

import type { ProcessIo } from "../../lib/process_io.ts";
import type { ParsedFlags } from "../../lib/cli/args.ts";
import { resolveSettings, type Settings } from "../../lib/config/settings.ts";
import { createLogger } from "../../lib/log.ts";
import {
  createOAuthManager,
  type CredentialProviderOptions,
  type OAuthManager,
} from "../../lib/oauth/provider.ts";
import { parseWwwAuthenticate } from "../../lib/transport/www_authenticate.ts";
import type { AuthChallenge, CredentialProvider } from "../../lib/transport/types.ts";
import {
  type AuthServerFixture,
  type AuthServerOptions,
  startAuthServer,
} from "../fixtures/auth_server.ts";
import {
  type McpServerFixture,
  type McpServerOptions,
  startMcpServer,
} from "../fixtures/mcp_server.ts";
import { initializeRequest } from "../support/bridge_process.ts";
import { createTestClock, type TestClock } from "../support/fake_timers.ts";

/** The user-agent fixture as a `$BROWSER` value. */
export const USER_AGENT_BROWSER =
  `${Deno.execPath()} run -q --allow-net --allow-env --allow-read --allow-write ${
    new URL("../fixtures/user_agent.ts", import.meta.url).pathname
  }`;

/** An authorization server in front of an MCP server, torn down together. */
export interface GuardedServer extends AsyncDisposable {
  auth: AuthServerFixture;
  mcp: McpServerFixture;
  /** A fresh directory for state files. */
  dir: string;
  /** The clock of the authorization server and of every manager made for it. */
  clock: TestClock;
}

/** Starts both fixtures; the MCP server checks tokens with the authorization server. */
export async function startGuardedServer(options: {
  auth?: AuthServerOptions;
  mcp?: McpServerOptions;
  requiredScopes?: string[];
} = {}): Promise<GuardedServer> {
  const clock = createTestClock();
  const auth = await startAuthServer({ now: clock.now, ...options.auth });
  const mcp = await startMcpServer({
    responseMode: "json",
    verifyToken: (token) => auth.verifyAccessToken(token, options.requiredScopes),
    resourceMetadataUrl: auth.resourceMetadataUrl,
    ...options.mcp,
  });
  auth.resource = mcp.url.href;
  const dir = await Deno.makeTempDir({ prefix: "mcp-shc-oauth-" });
  return {
    auth,
    mcp,
    dir,
    clock,
    async [Symbol.asyncDispose]() {
      await mcp.close();
      await auth.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Captured stderr lines plus the ProcessIo that writes them. */
export interface CapturedIo {
  io: ProcessIo;
  lines: string[];
}

/** A ProcessIo whose stderr is captured; stdout must stay untouched (asserted by tests). */
export function createCapturedIo(): CapturedIo {
  const lines: string[] = [];
  const io: ProcessIo = {
    stdin: new ReadableStream({ start: (c) => c.close() }),
    stdout: new WritableStream({
      write() {
        throw new Error("OAuth code wrote to stdout");
      },
    }),
    stderr: (line) => lines.push(line),
    stdoutIsTerminal: false,
    stderrIsTerminal: false,
    signal: new AbortController().signal,
  };
  return { io, lines };
}

/** Settings for `serverUrl` with a state file at `stateFile`. */
export async function createSettings(options: {
  serverUrl: string;
  stateFile: string;
  flags?: ParsedFlags;
  env?: Record<string, string>;
}): Promise<Readonly<Settings>> {
  let stateValues: Record<string, string> = {};
  try {
    const { parseEnv } = await import("node:util");
    stateValues = { ...parseEnv(await Deno.readTextFile(options.stateFile)) } as Record<
      string,
      string
    >;
  } catch {
    // absent
  }
  return resolveSettings({
    flags: { "server-url": options.serverUrl, "auth-timeout": "20", ...options.flags },
    env: { BROWSER: USER_AGENT_BROWSER, ...options.env },
    stateFile: options.stateFile,
    stateValues,
    cwdValues: {},
  });
}

/** A manager for `server` with captured output. */
export async function createManager(
  server: GuardedServer,
  options: {
    stateFile?: string;
    flags?: ParsedFlags;
    env?: Record<string, string>;
    interactive?: boolean;
    serverUrl?: string;
  } = {},
): Promise<{ manager: OAuthManager; lines: string[]; settings: Readonly<Settings> }> {
  const settings = await createSettings({
    serverUrl: options.serverUrl ?? server.mcp.url.href,
    stateFile: options.stateFile ?? `${server.dir}/state.env`,
    flags: options.flags,
    env: options.env,
  });
  const { io, lines } = createCapturedIo();
  const providerOptions: CredentialProviderOptions = {
    settings,
    log: createLogger({ level: "DEBUG", sink: (line) => lines.push(line) }),
    fetch: globalThis.fetch,
    io,
    interactive: options.interactive ?? true,
    now: server.clock.now,
  };
  return { manager: createOAuthManager(providerOptions), lines, settings };
}

/** The outcome of {@link callServer}. */
export interface CallResult {
  status: number;
  token?: string;
  refusals: number;
}

/**
 * Sends `initialize` with the provider's token, handing 401/403 to `handleRefusal` like the
 * transport does (at most `maxRetries` times).
 */
export async function callServer(
  provider: CredentialProvider,
  url: URL,
  maxRetries = 5,
): Promise<CallResult> {
  let token = await provider.accessToken();
  let refusals = 0;
  for (let attempt = 0;; attempt++) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify(initializeRequest(1)),
    });
    await response.body?.cancel();
    if ((response.status !== 401 && response.status !== 403) || attempt >= maxRetries) {
      return { status: response.status, token, refusals };
    }
    refusals++;
    const challenge: AuthChallenge | undefined = parseWwwAuthenticate(
      response.headers.get("www-authenticate"),
    ).find((c) => c.scheme === "bearer");
    token = await provider.handleRefusal({
      status: response.status as 401 | 403,
      challenge,
      rejectedToken: token,
    });
  }
}

/** Fails when any of `secrets` occurs in `text`. */
export function findLeaks(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => secret.length >= 6 && text.includes(secret));
}
