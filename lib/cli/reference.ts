/**
 * The README's reference tables, built from data so tests keep the README, the help and the code
 * in step: the flags (from `HELP_SECTIONS`), the exit codes (from `ExitCode` and `ERROR_TABLE`)
 * and the JSON-RPC errors of proxy mode (from `ERROR_TABLE`). Pure: returns strings.
 *
 * @module
 */

import { ERROR_TABLE, type ErrorKind, ExitCode } from "../errors.ts";
import { flagLabel, HELP_SECTIONS } from "./flag_help.ts";

/** Short meaning of each exit code, the first column of the exit-code table. */
const EXIT_CODE_MEANINGS: Readonly<Record<keyof typeof ExitCode, string>> = {
  ok: "Success",
  serverError: "The server answered with an error, or a tool result has `isError: true`",
  usage: "Usage error: unknown flag, bad arguments, unknown tool or prompt",
  config: "Configuration error: no or invalid server URL, bad setting",
  auth: "Authentication needed or failed",
  unreachable: "Server unreachable, HTTP or protocol failure",
  timeout: "A request timed out",
  interrupted: "Interrupted by Ctrl-C (SIGINT) or SIGTERM during a sign-in or a request",
};

/** One row of the exit-code table. */
export interface ExitCodeRow {
  code: number;
  meaning: string;
  /** Error kinds from ERROR_TABLE with this exit code. */
  kinds: ErrorKind[];
}

/** The exit-code table, built from {@link ExitCode} and {@link ERROR_TABLE}. */
export function listExitCodes(): ExitCodeRow[] {
  return (Object.keys(ExitCode) as (keyof typeof ExitCode)[])
    .map((name) => ({
      code: ExitCode[name],
      meaning: EXIT_CODE_MEANINGS[name],
      kinds: (Object.keys(ERROR_TABLE) as ErrorKind[])
        .filter((kind) => ERROR_TABLE[kind].exitCode === ExitCode[name]),
    }))
    .sort((a, b) => a.code - b.code);
}

/** The exit-code table as plain text for `--help`. */
export function formatExitCodeTable(): string {
  return listExitCodes()
    .map((row) => `  ${row.code}  ${row.meaning.replaceAll("`", "")}`)
    .join("\n") + "\n";
}

/** The exit-code table as Markdown for the README; a test keeps the README equal to it. */
export function formatExitCodeMarkdown(): string {
  const lines = ["| Code | Meaning | Error kinds (`error.kind` in `--json`) |", "|---|---|---|"];
  for (const row of listExitCodes()) {
    const kinds = row.kinds.map((kind) => `\`${kind}\``).join(", ") || "—";
    lines.push(`| ${row.code} | ${row.meaning} | ${kinds} |`);
  }
  return lines.join("\n") + "\n";
}

/** The flags as Markdown tables, one per section, for the README; kept equal by a test. */
export function formatFlagsMarkdown(): string {
  const out: string[] = [];
  for (const section of HELP_SECTIONS) {
    out.push(`**${section.title}**`, "", "| Flag | Environment | Description |", "|---|---|---|");
    for (const help of section.flags) {
      const label = flagLabel(help).trim().replaceAll("|", "\\|");
      const env = help.env ? `\`${help.env}\`` : "";
      out.push(`| \`${label}\` | ${env} | ${help.text.replaceAll("|", "\\|")} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** The `data` members a kind adds to `source`, `kind` and `hint`, as documented. */
export const RPC_DATA_FIELDS: Readonly<Record<ErrorKind, string>> = {
  usage: "—",
  config: "—",
  auth_required: "`status` (401/403 of the server)",
  auth_failed: "`status`; `oauthError` or `oauthCode`: the authorization server's error code",
  unreachable:
    "`reason`: `refused`, `dns`, `tls`, `timeout`, `closed`, `blocked-port` or `other`; `status` and `oauthError` when an authorization server answered 5xx or `temporarily_unavailable`",
  http_error:
    '`status`; `attempts`: `[{"request":"POST","status":404},…]` when no MCP endpoint was found; `endpoint` when an HTTP+SSE server refused a message without a JSON-RPC error',
  protocol: "`status` when an HTTP answer is involved; `limitBytes` for a message over the limit",
  stream_lost: "—",
  session_lost: "`missingCapabilities` after a re-initialization that lost some",
  timeout: "—",
  server_error: "`status` when an HTTP answer is involved",
  untranslatable: "—",
  parse_error: "—",
  invalid_request: "—",
  internal: "—",
  interrupted: "—",
};

/** The JSON-RPC error table as Markdown, sorted by code (bridge codes first). */
export function formatRpcErrorMarkdown(): string {
  const rows = (Object.keys(ERROR_TABLE) as ErrorKind[])
    .filter((kind) => kind !== "usage") // CLI only: never sent to a stdio client
    .sort((a, b) => ERROR_TABLE[b].rpcCode - ERROR_TABLE[a].rpcCode);
  const lines = [
    "| Code | `data.kind` | Meaning | Other `data` fields |",
    "|---|---|---|---|",
  ];
  for (const kind of rows) {
    const row = ERROR_TABLE[kind];
    lines.push(`| ${row.rpcCode} | \`${kind}\` | ${row.title} | ${RPC_DATA_FIELDS[kind]} |`);
  }
  return lines.join("\n") + "\n";
}
