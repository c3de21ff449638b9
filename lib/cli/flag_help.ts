/**
 * The help entry of every flag, grouped into the sections of `--help-all`, `help TOPIC` and the
 * README's flags tables. Adding a flag means one entry in `FLAGS` (args.ts) and one here; a test
 * fails when a flag has no entry. Data only, plus the flag's label.
 *
 * @module
 */

import { type FlagName, FLAGS } from "./args.ts";

/** Help for one flag. */
export interface FlagHelp {
  flag: FlagName;
  /** Placeholder of the flag's value, for string flags: `URL`, `SECONDS`, … */
  value?: string;
  /** Environment variable (or `.env` key) that sets the same thing. */
  env?: string;
  /** One sentence, no trailing period. */
  text: string;
  /** Shown in the short `--help` too (the rest only in `--help-all` and `help TOPIC`). */
  brief?: true;
}

/** A group of flags, in the README's order. */
export interface HelpSection {
  /** The name for `help TOPIC`. */
  topic: string;
  title: string;
  flags: FlagHelp[];
}

/** Every flag of {@link FLAGS}, grouped like the README. */
export const HELP_SECTIONS: readonly HelpSection[] = [
  {
    topic: "connection",
    title: "Connection",
    flags: [
      {
        flag: "server-url",
        brief: true,
        value: "URL",
        env: "MCP_SERVER_URL",
        text: "The MCP endpoint",
      },
      {
        flag: "server",
        value: "NAME",
        text: "Use server NAME of the config file (--config): its url, headers, token, scope",
      },
      {
        flag: "config",
        value: "FILE",
        env: "MCP_CLIENT_CONFIG",
        text: "The config file with a servers map (default: servers.json in the config directory)",
      },
      {
        flag: "env-file",
        value: "PATH",
        env: "MCP_CLIENT_ENV_FILE",
        text: "The server's state file (default: one per server in the config directory)",
      },
      {
        flag: "header",
        brief: true,
        value: '"NAME: VALUE"',
        env: "MCP_CLIENT_HEADERS",
        text: "Extra request header, repeatable; ${VAR} expands from the environment",
      },
      {
        flag: "transport",
        value: "auto|streamable-http|sse",
        env: "MCP_CLIENT_TRANSPORT",
        text: "Transport to speak; auto falls back to legacy HTTP+SSE (default auto)",
      },
      {
        flag: "protocol",
        value: "auto|2026-07-28|2025-11-25|2025-06-18|2025-03-26",
        env: "MCP_CLIENT_PROTOCOL",
        text: "Protocol era toward the server; auto probes once and remembers (default auto)",
      },
      {
        flag: "timeout",
        value: "SECONDS",
        env: "MCP_CLIENT_TIMEOUT",
        text: "Per-request timeout, reset by progress; 0 disables it (default 60)",
      },
      {
        flag: "allow-http",
        env: "MCP_CLIENT_ALLOW_HTTP",
        text: "Allow plain http:// to a non-loopback host",
      },
      {
        flag: "cert",
        value: "PEM",
        env: "MCP_CLIENT_CA_FILE",
        text: "Extra CA certificates to trust",
      },
      {
        flag: "cookies",
        env: "MCP_CLIENT_COOKIES",
        text: "Keep cookies in memory, for load balancers that pin sessions with them",
      },
    ],
  },
  {
    topic: "output",
    title: "Output and logging",
    flags: [
      {
        flag: "log-level",
        value: "LEVEL",
        env: "MCP_CLIENT_LOG_LEVEL",
        text: "DEBUG, INFO, WARNING or ERROR, on stderr (default WARNING)",
      },
      { flag: "verbose", brief: true, text: "Same as --log-level DEBUG (MCP_DEBUG=1 too)" },
      {
        flag: "log-file",
        value: "PATH",
        env: "MCP_CLIENT_LOG_FILE",
        text: "Also append stderr, timestamped, to PATH (mode 0600), for hosts that hide stderr",
      },
      {
        flag: "json",
        brief: true,
        text: "Print exactly one JSON document on stdout (same as --format json)",
      },
      { flag: "format", value: "text|json", text: "Output format of the client modes" },
      { flag: "help", brief: true, text: "Show the short help" },
      { flag: "help-all", brief: true, text: "Show every flag (or: help TOPIC)" },
      { flag: "version", text: "Show the version" },
    ],
  },
  {
    topic: "modes",
    title: "Modes (without one, the program is a stdio ⇄ Streamable HTTP bridge)",
    flags: [
      { flag: "list-tools", brief: true, text: "List the tools with their parameters (all pages)" },
      {
        flag: "list-resources",
        brief: true,
        text: "List the resources and resource templates (all pages)",
      },
      {
        flag: "list-prompts",
        brief: true,
        text: "List the prompts with their arguments (all pages)",
      },
      {
        flag: "command",
        brief: true,
        value: "'TOOL ARGS'",
        text: "Call a tool; ARGS is key=value pairs, a JSON object, or one bare value",
      },
      { flag: "read-resource", value: "URI", text: "Read a resource" },
      {
        flag: "get-prompt",
        value: "'NAME ARGS'",
        text: "Get a prompt; ARGS as for --command",
      },
      {
        flag: "raw",
        value: "JSON",
        text: "Send one JSON-RPC message (jsonrpc and id filled in) and print the response",
      },
      {
        flag: "print-config",
        value: "HOST",
        text:
          "Print the entry that runs this program with these flags for HOST: claude-desktop, claude-code, cursor, vscode, codex or gemini",
      },
    ],
  },
  {
    topic: "auth",
    title: "Authentication",
    flags: [
      {
        flag: "token",
        brief: true,
        text:
          "Show the sign-in state, refresh or sign in, test the token and save it; --token TOKEN tests a given token",
      },
      {
        flag: "test-auth",
        brief: true,
        text: "Check the server and the current token without changing them",
      },
      {
        flag: "print-token",
        text:
          "With --token: print the access token on stdout for scripts (a `token` field with --json)",
      },
      {
        flag: "reset-auth",
        brief: true,
        text: "Forget tokens and the client registration (deleted at the server once confirmed)",
      },
      {
        flag: "keep-registration",
        text: "With --reset-auth: keep the client registration at the server",
      },
      { flag: "get-client-info", text: "Show the client registration (RFC 7592)" },
      {
        flag: "update-client",
        value: '"k=v,k2=v2"',
        text: "Update the client registration (RFC 7592)",
      },
      { flag: "delete-client", text: "Delete the client registration (RFC 7592)" },
      { flag: "yes", text: "Delete at the server without asking (--delete-client, --reset-auth)" },
      {
        flag: "scope",
        value: "SCOPES",
        env: "MCP_CLIENT_SCOPE",
        text: "Scopes to request instead of the server's",
      },
      {
        flag: "no-resource",
        env: "MCP_CLIENT_NO_RESOURCE",
        text: "Omit the RFC 8707 resource parameter (for servers that reject it)",
      },
      {
        flag: "callback-port",
        value: "PORT",
        env: "MCP_CLIENT_CALLBACK_PORT",
        text: "Port of the loopback sign-in callback (default: stable per server)",
      },
      {
        flag: "callback-host",
        value: "127.0.0.1|localhost",
        env: "MCP_CLIENT_CALLBACK_HOST",
        text: "Host name in the redirect URI (default 127.0.0.1)",
      },
      {
        flag: "auth-timeout",
        value: "SECONDS",
        env: "MCP_CLIENT_AUTH_TIMEOUT",
        text: "How long to wait for the browser sign-in (default 300)",
      },
      {
        flag: "client-metadata-url",
        value: "URL",
        env: "MCP_CLIENT_METADATA_URL",
        text: "Client ID metadata document to use when the server supports it",
      },
      {
        flag: "client-credentials",
        text: "Sign in with MCP_CLIENT_ID and its secret or key, no browser",
      },
      {
        flag: "client-key",
        value: "FILE",
        env: "MCP_CLIENT_PRIVATE_KEY",
        text: "Private key (PEM or JWK) for private_key_jwt client authentication",
      },
      {
        flag: "device-code",
        text: "Sign in with a code on another device (RFC 8628 device flow)",
      },
      {
        flag: "idp-issuer",
        value: "URL",
        env: "MCP_CLIENT_IDP_ISSUER",
        text: "Cross-app access: exchange the user's ID token at this identity provider",
      },
      {
        flag: "idp-client-id",
        value: "ID",
        env: "MCP_CLIENT_IDP_CLIENT_ID",
        text: "Cross-app access: the client id at the identity provider",
      },
      {
        flag: "id-token-file",
        value: "FILE",
        env: "MCP_CLIENT_ID_TOKEN",
        text: "Cross-app access: the user's ID token (the variable holds the token itself)",
      },
    ],
  },
];

/** `-c, --command 'TOOL ARGS'` or `    --json`: the flag as help shows it. */
export function flagLabel(help: FlagHelp): string {
  const spec = FLAGS[help.flag] as { short?: string };
  const long = `--${help.flag}${help.value ? ` ${help.value}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
}
