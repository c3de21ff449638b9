/**
 * The library behind `mod.ts`: {@link connect} opens an initialized MCP client for scripts, and
 * {@link serveBridge} runs the stdio bridge on streams the caller gives. Both resolve settings
 * exactly as the program does (same defaults, same per-server state file, same OAuth sign-in)
 * from an options object instead of flags; neither reads `Deno.args`, writes to stdout or exits.
 *
 * @module
 */

import { runBridge } from "./bridge.ts";
import { loadSettings, type SettingsFlags } from "./config/settings.ts";
import { ExitCode } from "./errors.ts";
import { type LogLevel, type LogSink, stderrSink } from "./log.ts";
import { listAllPages } from "./list_pages.ts";
import {
  type McpClient,
  type McpClientContext,
  openClient,
  type ProgressInfo,
} from "./mcp_client.ts";
import type {
  CallToolResult,
  GetPromptResult,
  Implementation,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from "./mcp_types.ts";
import type { ProcessIo } from "./process_io.ts";
import { createServices } from "./services.ts";

/** Where the server is and how to reach it; every field has the CLI flag's meaning. */
export interface ConnectOptions {
  /** The MCP endpoint (`--server-url`). Optional with `server`, or `MCP_SERVER_URL` set. */
  serverUrl?: string | URL;
  /** A server of the config file (`--server NAME`): its url, headers, token and scope. */
  server?: string;
  /** The config file (`--config FILE`; default as for the program). */
  config?: string;
  /** Extra request headers (`--header`); `${VAR}` expands from `env`. */
  headers?: Readonly<Record<string, string>>;
  /** A static bearer token (as `MCP_CLIENT_ACCESS_TOKEN`); without it, OAuth as the CLI does. */
  accessToken?: string;
  /** Scopes to request when signing in (`--scope`). */
  scope?: string;
  /** The server's state file (`--env-file`; default: the per-server file the CLI uses). */
  stateFile?: string;
  /** Transport to speak (`--transport`, default `"auto"`). */
  transport?: "auto" | "streamable-http" | "sse";
  /** Per-request timeout in ms, reset by progress; 0 disables it (default 60 000). */
  timeoutMs?: number;
  /** Allow plain `http://` to a non-loopback host (`--allow-http`). */
  allowHttp?: boolean;
  /** PEM file with extra CA certificates (`--cert`). */
  caFile?: string;
  /** Whether a browser sign-in may start when one is needed (default true). */
  interactive?: boolean;
  /** Log level (default: from `env` as for the program, else WARNING). */
  logLevel?: LogLevel;
  /** Receives log lines and sign-in instructions, secrets redacted (default: stderr). */
  onLog?: (line: string) => void;
  /** The environment settings are read from (default: the process environment). */
  env?: Readonly<Record<string, string>>;
  /** Aborts pending requests and a sign-in in progress. */
  signal?: AbortSignal;
}

/** Options of one request of a {@link Client}. */
export interface CallOptions {
  /** Overrides `timeoutMs` for this request; 0 disables it. */
  timeoutMs?: number;
  /** Asks the server for progress and receives each `notifications/progress`. */
  onProgress?: (progress: ProgressInfo) => void;
}

/** An initialized MCP session. Close it, or declare it with `await using`. */
export interface Client extends AsyncDisposable {
  /** The server's name and version. */
  readonly serverInfo: Implementation;
  /** The protocol version the server chose. */
  readonly protocolVersion: string;
  /** The server's capabilities. */
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** The server's instructions, when it sent some. */
  readonly instructions?: string;
  /** Every tool (all pages of `tools/list`). */
  listTools(): Promise<Tool[]>;
  /** Calls a tool; a tool's own failure is a result with `isError: true`, not an exception. */
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<CallToolResult>;
  /** Every resource (all pages of `resources/list`). */
  listResources(): Promise<Resource[]>;
  /** Every resource template (all pages of `resources/templates/list`). */
  listResourceTemplates(): Promise<ResourceTemplate[]>;
  /** Reads a resource. */
  readResource(uri: string): Promise<ReadResourceResult>;
  /** Every prompt (all pages of `prompts/list`). */
  listPrompts(): Promise<Prompt[]>;
  /** Gets a prompt with its arguments. */
  getPrompt(name: string, args?: Record<string, string>): Promise<GetPromptResult>;
  /** Sends any request and resolves with its result; a JSON-RPC error throws `server_error`. */
  request<T = Record<string, unknown>>(
    method: string,
    params?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<T>;
  /** Ends the session (HTTP `DELETE`). */
  close(): Promise<void>;
}

/** What {@link serveBridge} relays between. */
export interface BridgeStreams {
  /** Newline-delimited JSON-RPC from the MCP client. */
  input: ReadableStream<Uint8Array>;
  /** Newline-delimited JSON-RPC to the MCP client; nothing else is ever written to it. */
  output: WritableStream<Uint8Array>;
}

function settingsFlags(options: ConnectOptions): SettingsFlags {
  const flags: SettingsFlags = {
    "server-url": options.serverUrl === undefined ? undefined : String(options.serverUrl),
    server: options.server,
    config: options.config,
    header: Object.entries(options.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    scope: options.scope,
    "env-file": options.stateFile,
    transport: options.transport,
    timeout: options.timeoutMs === undefined ? undefined : String(options.timeoutMs / 1000),
    "allow-http": options.allowHttp,
    cert: options.caFile,
    "log-level": options.logLevel,
  };
  return Object.fromEntries(
    Object.entries(flags).filter(([, value]) => value !== undefined),
  ) as SettingsFlags;
}

/** Builds what the program's modes get from `main.ts`, from library options. */
async function createContext(
  options: ConnectOptions,
  streams: BridgeStreams | undefined,
) {
  const env = {
    ...(options.env ?? Deno.env.toObject()),
    ...(options.accessToken === undefined ? {} : { MCP_CLIENT_ACCESS_TOKEN: options.accessToken }),
  };
  const sink: LogSink = options.onLog ?? stderrSink;
  const io: ProcessIo = {
    stdin: streams?.input ?? new ReadableStream({ start: (c) => c.close() }),
    stdout: streams?.output ?? new WritableStream(),
    stderr: sink,
    stdoutIsTerminal: false,
    stderrIsTerminal: false,
    signal: options.signal ?? new AbortController().signal,
  };
  const settings = await loadSettings(settingsFlags(options), env);
  const services = await createServices(settings, io, {
    interactive: options.interactive ?? true,
  });
  return { settings, io, ...services, color: false };
}

function wrapClient(client: McpClient): Client {
  const request = <T>(method: string, params?: Record<string, unknown>, options?: CallOptions) =>
    client.request<T>(method, params, options);
  return {
    serverInfo: client.serverInfo as Implementation,
    protocolVersion: client.protocolVersion,
    capabilities: client.capabilities as Record<string, unknown>,
    ...(client.instructions === undefined ? {} : { instructions: client.instructions }),
    listTools: () => listAllPages<Tool>(client, "tools/list", "tools"),
    callTool: (name, args = {}, options) =>
      request<CallToolResult>("tools/call", { name, arguments: args }, options),
    listResources: () => listAllPages<Resource>(client, "resources/list", "resources"),
    listResourceTemplates: () =>
      listAllPages<ResourceTemplate>(client, "resources/templates/list", "resourceTemplates"),
    readResource: (uri) => request<ReadResourceResult>("resources/read", { uri }),
    listPrompts: () => listAllPages<Prompt>(client, "prompts/list", "prompts"),
    getPrompt: (name, args = {}) =>
      request<GetPromptResult>("prompts/get", { name, arguments: args }),
    request,
    close: () => client.close(),
    [Symbol.asyncDispose]: () => client.close(),
  };
}

/**
 * Opens an initialized MCP session with the server, signing in when it asks (browser, stored
 * tokens, refresh) with the same state file as the program.
 *
 * @throws {BridgeError} with a stable `kind` (`config`, `auth_required`, `unreachable`, …)
 */
export async function connect(options: ConnectOptions): Promise<Client> {
  const context: McpClientContext = await createContext(options, undefined);
  return wrapClient(await openClient(context));
}

/**
 * Runs the stdio bridge on `streams` until `input` ends or `options.signal` aborts: every
 * JSON-RPC line read is relayed to the server, every message from the server is written as one
 * line, exactly as the program does in proxy mode.
 *
 * @throws {BridgeError} when the settings are invalid (`config`, `usage`)
 */
export async function serveBridge(
  streams: BridgeStreams,
  options: ConnectOptions,
): Promise<void> {
  const context = await createContext(options, streams);
  const code = await runBridge(context);
  if (code !== ExitCode.ok) throw new Error(`Bridge ended with exit code ${code}`);
}
