/**
 * Settings resolution: each setting comes from the flag, else the process environment, else the
 * server's state `.env`, else the working directory's `.env`, else its default. The result is a
 * frozen object passed down; nothing else reads the environment. `resolveSettings` is pure;
 * `loadSettings` gathers its inputs from files and the environment. Parsing and checking each
 * value is setting_values.ts's job.
 *
 * @module
 */

import { DEFAULT_AUTH_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import { type LogLevel, parseLogLevel, registerSecret, registerSecretValues } from "../log.ts";
import { stripBearerPrefix } from "../secrets.ts";
import {
  configError,
  expandVariables,
  parseBoolean,
  parseHeader,
  parsePort,
  parseSeconds,
  parseServerUrl,
} from "./setting_values.ts";
import { readConfigValues } from "./config_file.ts";
import { readEnvFile } from "./env_file.ts";
import { defaultStateFilePath } from "./state_path.ts";

/** Which transport to speak. */
export type TransportChoice = "auto" | "streamable-http" | "sse";

/**
 * `--protocol`: `auto` finds the server's era (probe, then remembered); `2026-07-28` speaks the
 * stateless era without a probe; a 2025 version speaks the `initialize` era without a probe.
 */
export type ProtocolChoice = "auto" | "2026-07-28" | "2025-11-25" | "2025-06-18" | "2025-03-26";

/** The values `--protocol` accepts, in help order. */
export const PROTOCOL_CHOICES: readonly ProtocolChoice[] = [
  "auto",
  "2026-07-28",
  "2025-11-25",
  "2025-06-18",
  "2025-03-26",
];

/** OAuth-related settings. */
export interface OAuthSettings {
  /** Pre-registered client id (`MCP_CLIENT_ID`). */
  clientId?: string;
  /** Pre-registered client secret (`MCP_CLIENT_SECRET`). */
  clientSecret?: string;
  /** Scope override (`--scope`, `MCP_CLIENT_SCOPE`). */
  scope?: string;
  /** Omit the RFC 8707 `resource` parameter (`--no-resource`). */
  noResource: boolean;
  /** Loopback callback port; undefined means the stable per-server default. */
  callbackPort?: number;
  /** Host name used in the redirect URI. */
  callbackHost: "127.0.0.1" | "localhost";
  /** How long to wait for the user to finish signing in, in ms. */
  authTimeoutMs: number;
  /** Client ID metadata document URL (`--client-metadata-url`). */
  clientMetadataUrl?: string;
  /** Use the client-credentials grant (no browser). */
  clientCredentials: boolean;
  /** The private key for `private_key_jwt` (`--client-key FILE`, `MCP_CLIENT_PRIVATE_KEY`). */
  clientKey: { file?: string; text?: string };
  /** Sign in with the device authorization grant (`--device-code`). */
  deviceCode: boolean;
  /** Cross-app access (SEP-990): the enterprise identity provider and the user's ID token. */
  crossApp?: CrossAppSettings;
  /** Keep the registration at the server on `--reset-auth`. */
  keepRegistration: boolean;
  /** Skip confirmations (`--yes`). */
  assumeYes: boolean;
}

/** Cross-app access settings: token exchange at the IdP, then the JWT-bearer grant. */
export interface CrossAppSettings {
  /** The IdP's issuer (`--idp-issuer`, `MCP_CLIENT_IDP_ISSUER`). */
  issuer: string;
  /** The bridge's client id at the IdP (`--idp-client-id`, `MCP_CLIENT_IDP_CLIENT_ID`). */
  clientId?: string;
  /** Its secret at the IdP (`MCP_CLIENT_IDP_CLIENT_SECRET`). */
  clientSecret?: string;
  /** The user's ID token (`MCP_CLIENT_ID_TOKEN`), or the file holding it (`--id-token-file`). */
  idToken?: string;
  idTokenFile?: string;
}

/** Everything the program needs to run, resolved once. */
export interface Settings {
  serverUrl: URL;
  transport: TransportChoice;
  /** `--protocol`: `auto` finds the server's era; a version pins it. */
  protocol: ProtocolChoice;
  /** Extra request headers, `${VAR}` already expanded. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Bearer token from `MCP_CLIENT_ACCESS_TOKEN`, without a `Bearer ` prefix. */
  accessToken?: string;
  /** Where `accessToken` came from: the environment (static) or the state file (OAuth). */
  accessTokenSource?: "env" | "state";
  logLevel: LogLevel;
  /** Per-request timeout in ms; 0 disables it. */
  timeoutMs: number;
  allowHttp: boolean;
  /** PEM file with extra CA certificates. */
  caFile?: string;
  /** Keep an in-memory cookie jar (`--cookies`), for load balancers that pin sessions. */
  cookies: boolean;
  /** The server's state file (`.env`). */
  stateFile: string;
  /** The values of the state file when the program started. */
  stateValues: Readonly<Record<string, string>>;
  /** The values of the working directory's `.env` when the program started (empty without one). */
  cwdValues: Readonly<Record<string, string>>;
  /** `--json` / `--format json`. */
  json: boolean;
  oauth: OAuthSettings;
  /** The process environment (read-only), for things like `$BROWSER`. */
  env: Readonly<Record<string, string>>;
}

/**
 * The command-line flags settings are resolved from, by flag name without dashes. The CLI's
 * parsed flags satisfy this shape; settings never depend on how they were parsed.
 */
export interface SettingsFlags {
  "server-url"?: string;
  "env-file"?: string;
  header?: string[];
  transport?: string;
  protocol?: string;
  timeout?: string;
  "allow-http"?: boolean;
  cert?: string;
  cookies?: boolean;
  "log-level"?: string;
  verbose?: boolean;
  json?: boolean;
  format?: string;
  scope?: string;
  "no-resource"?: boolean;
  "callback-port"?: string;
  "callback-host"?: string;
  "auth-timeout"?: string;
  "client-metadata-url"?: string;
  "client-credentials"?: boolean;
  "client-key"?: string;
  "device-code"?: boolean;
  "idp-issuer"?: string;
  "idp-client-id"?: string;
  "id-token-file"?: string;
  "keep-registration"?: boolean;
  yes?: boolean;
  /** The config file entry to use (`--server NAME`). */
  server?: string;
  /** The config file (`--config FILE`). */
  config?: string;
  /** The token given as `--token VALUE`: static for this run, like MCP_CLIENT_ACCESS_TOKEN. */
  "access-token"?: string;
}

/** The inputs of {@link resolveSettings}, gathered by {@link loadSettings}. */
export interface SettingsInputs {
  flags: SettingsFlags;
  env: Readonly<Record<string, string>>;
  stateFile: string;
  stateValues: Readonly<Record<string, string>>;
  cwdValues: Readonly<Record<string, string>>;
  /** The `--server` entry of the config file, under the environment variable names. */
  configValues?: Readonly<Record<string, string>>;
}

function resolveClientKey(
  file: string | undefined,
  variable: string | undefined,
): { file?: string; text?: string } {
  if (file) return { file };
  if (!variable?.trim()) return {};
  const text = variable.trim();
  return text.startsWith("-----BEGIN") || text.startsWith("{") ? { text } : { file: text };
}

function resolveCrossApp(
  flags: SettingsFlags,
  pick: (flag: string | undefined, key: string) => string | undefined,
): CrossAppSettings | undefined {
  const issuer = pick(flags["idp-issuer"], "MCP_CLIENT_IDP_ISSUER");
  if (!issuer) {
    if (flags["idp-client-id"] || flags["id-token-file"]) {
      throw new BridgeError("usage", "Cross-app access needs the identity provider: --idp-issuer", {
        hint: "Pass --idp-issuer URL (or set MCP_CLIENT_IDP_ISSUER)",
      });
    }
    return undefined;
  }
  try {
    new URL(issuer);
  } catch {
    throw configError(`Invalid identity provider issuer: "${issuer}"`, "Use a full https:// URL");
  }
  return {
    issuer,
    clientId: pick(flags["idp-client-id"], "MCP_CLIENT_IDP_CLIENT_ID"),
    clientSecret: pick(undefined, "MCP_CLIENT_IDP_CLIENT_SECRET"),
    idToken: flags["id-token-file"] ? undefined : pick(undefined, "MCP_CLIENT_ID_TOKEN"),
    idTokenFile: flags["id-token-file"],
  };
}

/** Where settings come from besides the flags, in order of precedence. */
type SettingSources = Pick<SettingsInputs, "env" | "stateValues" | "cwdValues" | "configValues">;

/**
 * One setting's text: the flag, else the environment, else the config file's `--server` entry,
 * else the state `.env`, else the working directory's.
 */
function pickSetting(
  sources: SettingSources,
  flag: string | undefined,
  key: string,
): string | undefined {
  return flag ?? sources.env[key] ?? sources.configValues?.[key] ?? sources.stateValues[key] ??
    sources.cwdValues[key];
}

/**
 * The log level's text: `--verbose`, `--log-level`, then `MCP_DEBUG=1` (the Python tool's switch),
 * then `MCP_CLIENT_LOG_LEVEL`, then WARNING.
 */
export function pickLogLevel(
  flags: Pick<SettingsFlags, "verbose" | "log-level">,
  pick: (key: string) => string | undefined,
): string {
  if (flags.verbose) return "DEBUG";
  if (flags["log-level"] !== undefined) return flags["log-level"];
  if (parseBoolean(pick("MCP_DEBUG"))) return "DEBUG";
  return pick("MCP_CLIENT_LOG_LEVEL") ?? "WARNING";
}

function resolveServerUrl(flags: SettingsFlags, sources: SettingSources) {
  const allowHttp = Boolean(flags["allow-http"]) ||
    parseBoolean(pickSetting(sources, undefined, "MCP_CLIENT_ALLOW_HTTP"));
  const url = parseServerUrl(
    pickSetting(sources, flags["server-url"], "MCP_SERVER_URL"),
    allowHttp,
  );
  return { allowHttp, url };
}

/** Resolves settings from already-gathered inputs. Pure; throws config/usage BridgeErrors. */
export function resolveSettings(inputs: SettingsInputs): Readonly<Settings> {
  const { flags, env, stateValues, cwdValues } = inputs;
  const pick = (flag: string | undefined, key: string): string | undefined =>
    pickSetting(inputs, flag, key);

  const { allowHttp, url: serverUrl } = resolveServerUrl(flags, inputs);

  const transportText = pick(flags.transport, "MCP_CLIENT_TRANSPORT") ?? "auto";
  if (transportText !== "auto" && transportText !== "streamable-http" && transportText !== "sse") {
    throw new BridgeError("usage", `Invalid transport: "${transportText}"`, {
      hint: 'Use "auto", "streamable-http" or "sse"',
    });
  }

  const protocolText = pick(flags.protocol, "MCP_CLIENT_PROTOCOL") ?? "auto";
  if (!(PROTOCOL_CHOICES as readonly string[]).includes(protocolText)) {
    throw new BridgeError("usage", `Invalid protocol: "${protocolText}"`, {
      hint: `Use ${PROTOCOL_CHOICES.map((choice) => `"${choice}"`).join(", ")}`,
    });
  }

  const levelText = pickLogLevel(flags, (key) => pick(undefined, key));
  const logLevel = parseLogLevel(levelText);
  if (!logLevel) {
    throw new BridgeError("usage", `Invalid log level: "${levelText}"`, {
      hint: "Use DEBUG, INFO, WARNING or ERROR",
    });
  }

  const headerSpecs = [
    ...(pick(undefined, "MCP_CLIENT_HEADERS") ?? "").split(/\r?\n/).filter((l) => l.trim()),
    ...(flags.header ?? []),
  ];
  const headers = headerSpecs.map((spec) => parseHeader(spec, env));

  const configToken = inputs.configValues?.MCP_CLIENT_ACCESS_TOKEN;
  // A token in the config file is static, like one in the environment; ${VAR} keeps it out of
  // the file.
  const envToken = flags["access-token"] ?? env.MCP_CLIENT_ACCESS_TOKEN ??
    (configToken === undefined ? undefined : expandVariables(configToken, env));
  const stateToken = stateValues.MCP_CLIENT_ACCESS_TOKEN ?? cwdValues.MCP_CLIENT_ACCESS_TOKEN;
  const rawToken = envToken ?? stateToken;
  const accessToken = rawToken ? stripBearerPrefix(rawToken) : undefined;
  for (const values of [env, stateValues, cwdValues]) registerSecretValues(values);
  registerSecret(envToken);

  const timeoutText = pick(flags.timeout, "MCP_CLIENT_TIMEOUT") ??
    pick(undefined, "REQUEST_TIMEOUT");
  const authTimeoutText = pick(flags["auth-timeout"], "MCP_CLIENT_AUTH_TIMEOUT");
  const callbackPortText = pick(flags["callback-port"], "MCP_CLIENT_CALLBACK_PORT");
  const callbackHost = pick(flags["callback-host"], "MCP_CLIENT_CALLBACK_HOST") ?? "127.0.0.1";
  if (callbackHost !== "127.0.0.1" && callbackHost !== "localhost") {
    throw new BridgeError("usage", `Invalid callback host: "${callbackHost}"`, {
      hint: 'Use "127.0.0.1" or "localhost"',
    });
  }

  return Object.freeze(
    {
      serverUrl,
      transport: transportText,
      protocol: protocolText as ProtocolChoice,
      headers,
      accessToken: accessToken || undefined,
      accessTokenSource: envToken ? "env" : stateToken ? "state" : undefined,
      logLevel,
      timeoutMs: timeoutText === undefined
        ? DEFAULT_REQUEST_TIMEOUT_MS
        : parseSeconds(timeoutText, "timeout", true),
      allowHttp,
      caFile: pick(flags.cert, "MCP_CLIENT_CA_FILE"),
      cookies: flags.cookies === true || parseBoolean(pick(undefined, "MCP_CLIENT_COOKIES")),
      stateFile: inputs.stateFile,
      stateValues,
      cwdValues,
      json: Boolean(flags.json) || flags.format === "json",
      oauth: Object.freeze({
        clientId: pick(undefined, "MCP_CLIENT_ID"),
        clientSecret: pick(undefined, "MCP_CLIENT_SECRET"),
        scope: pick(flags.scope, "MCP_CLIENT_SCOPE"),
        noResource: Boolean(flags["no-resource"]) ||
          parseBoolean(pick(undefined, "MCP_CLIENT_NO_RESOURCE")),
        callbackPort: callbackPortText === undefined ? undefined : parsePort(callbackPortText),
        callbackHost,
        authTimeoutMs: authTimeoutText === undefined
          ? DEFAULT_AUTH_TIMEOUT_MS
          : parseSeconds(authTimeoutText, "auth timeout", false),
        clientMetadataUrl: pick(flags["client-metadata-url"], "MCP_CLIENT_METADATA_URL"),
        clientCredentials: Boolean(flags["client-credentials"]),
        clientKey: resolveClientKey(flags["client-key"], pick(undefined, "MCP_CLIENT_PRIVATE_KEY")),
        deviceCode: Boolean(flags["device-code"]),
        crossApp: resolveCrossApp(flags, pick),
        keepRegistration: Boolean(flags["keep-registration"]),
        assumeYes: Boolean(flags.yes),
      }),
      env,
    } satisfies Settings,
  );
}

/** Gathers the environment and the `.env` files, then resolves the settings. */
export async function loadSettings(
  flags: SettingsFlags,
  env: Readonly<Record<string, string>> = Deno.env.toObject(),
  cwd: string = Deno.cwd(),
): Promise<Readonly<Settings>> {
  const cwdValues = await readEnvFile(`${cwd}/.env`);
  const configValues = await readConfigValues(flags, env);
  const explicitState = flags["env-file"] ?? env.MCP_CLIENT_ENV_FILE;
  const explicitValues = explicitState ? await readEnvFile(explicitState) : {};
  const serverUrl = resolveServerUrl(flags, {
    env,
    configValues,
    stateValues: explicitValues,
    cwdValues,
  }).url;
  let stateFile: string | undefined = explicitState;
  if (!stateFile) {
    stateFile = await defaultStateFilePath(serverUrl, env);
    if (!stateFile) {
      throw configError(
        "Cannot find a configuration directory for the state file",
        "Set HOME or XDG_CONFIG_HOME, or pass --env-file PATH",
      );
    }
  }
  const stateValues = explicitState ? explicitValues : await readEnvFile(stateFile);
  return resolveSettings({
    flags,
    env,
    stateFile: stateFile!,
    stateValues,
    cwdValues,
    configValues,
  });
}
