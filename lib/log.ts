/**
 * The stderr logger: levels, one line per record, and redaction of every secret the process knows
 * (registered with {@link registerSecret}) plus anything that looks like a bearer credential. It
 * never writes to stdout, which in proxy mode carries JSON-RPC only.
 *
 * @module
 */

import { SECRET_KEYS, stripBearerPrefix } from "./secrets.ts";

/** Log levels, from most to least verbose. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

const LEVEL_RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

/** Accepted level names, also `WARN`, case-insensitive. */
export function parseLogLevel(value: string): LogLevel | undefined {
  const upper = value.trim().toUpperCase();
  if (upper === "WARN") return "WARNING";
  return upper in LEVEL_RANK ? upper as LogLevel : undefined;
}

const secrets = new Set<string>();
const REDACTED = "[redacted]";
const MIN_SECRET_LENGTH = 6;

/** Remembers a secret value so every later log line and error text has it replaced. */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return;
  const trimmed = stripBearerPrefix(value);
  if (trimmed.length >= MIN_SECRET_LENGTH) secrets.add(trimmed);
}

/** Registers the value of every {@link SECRET_KEYS} key in `values` (environment or `.env`). */
export function registerSecretValues(values: Readonly<Record<string, string | undefined>>): void {
  for (const key of SECRET_KEYS) registerSecret(values[key]);
}

const CREDENTIAL_PATTERNS: RegExp[] = [
  /(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
  /(\bBasic\s+)[A-Za-z0-9+/]+=*/gi,
  /((?:access_token|refresh_token|id_token|client_secret|registration_access_token|code_verifier|client_assertion)["']?\s*[=:]\s*["']?)[^"'&\s,}]+/gi,
  /([?&](?:code|state)=)[^&#\s"']+/g,
  new RegExp(`((?:${SECRET_KEYS.join("|")})=)\\S+`, "g"),
];

/** Replaces every known secret and credential-looking value in `text`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const pattern of CREDENTIAL_PATTERNS) out = out.replace(pattern, `$1${REDACTED}`);
  return out;
}

/** The message of anything thrown, with secrets redacted. */
export function redactedMessage(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}

/** A sink for finished log lines; stderr in the program, an array in tests. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();

/** Writes a line to stderr synchronously so records never interleave. */
export const stderrSink: LogSink = (line) => {
  const bytes = encoder.encode(line + "\n");
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
};

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  sink?: LogSink;
  /** Prefix naming the component, e.g. `auth`. */
  scope?: string;
}

/** A levelled, redacting logger. */
export interface Logger {
  readonly level: LogLevel;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Whether a record at `level` would be written. */
  enabled(level: LogLevel): boolean;
  /** A logger with the same level and sink and another scope. */
  child(scope: string): Logger;
}

/** Creates a logger writing redacted lines `LEVEL scope: message` to the sink. */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? stderrSink;
  const threshold = LEVEL_RANK[options.level];
  const prefix = options.scope ? `${options.scope}: ` : "";
  const write = (level: LogLevel, message: string) => {
    if (LEVEL_RANK[level] < threshold) return;
    sink(redact(`[mcp-streamablehttp-client] ${level} ${prefix}${message}`));
  };
  return {
    level: options.level,
    debug: (m) => write("DEBUG", m),
    info: (m) => write("INFO", m),
    warn: (m) => write("WARNING", m),
    error: (m) => write("ERROR", m),
    enabled: (level) => LEVEL_RANK[level] >= threshold,
    child: (scope) => createLogger({ level: options.level, sink, scope }),
  };
}

/** A logger that drops everything, for library callers that pass none. */
export const silentLogger: Logger = createLogger({ level: "ERROR", sink: () => {} });
