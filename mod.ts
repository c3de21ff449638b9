/**
 * mcp-streamablehttp-client as a library: an MCP client for scripts, with the program's OAuth
 * sign-in and per-server state file, and the stdio ⇄ Streamable HTTP bridge on any streams.
 * Importing this module runs nothing; the program is `main.ts`.
 *
 * ```ts
 * import { connect } from "./mod.ts";
 *
 * await using client = await connect({ serverUrl: "https://mcp.example.com/mcp" });
 * for (const tool of await client.listTools()) console.log(tool.name);
 * const result = await client.callTool("echo", { message: "hi" });
 * console.log(result.content[0]?.text);
 * ```
 *
 * Embedding the bridge, e.g. in a process that already owns its stdio:
 *
 * ```ts
 * import { serveBridge } from "./mod.ts";
 *
 * await serveBridge(
 *   { input: Deno.stdin.readable, output: Deno.stdout.writable },
 *   { serverUrl: "https://mcp.example.com/mcp" },
 * );
 * ```
 *
 * Failures are {@link BridgeError}s with a stable `kind` (`config`, `auth_required`,
 * `unreachable`, `timeout`, `server_error`…), the same kinds `--json` reports.
 *
 * @module
 */

export {
  type BridgeStreams,
  type CallOptions,
  type Client,
  connect,
  type ConnectOptions,
  serveBridge,
} from "./lib/library.ts";
export type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  Implementation,
  Prompt,
  PromptArgument,
  PromptMessage,
  ReadResourceResult,
  Resource,
  ResourceContents,
  ResourceTemplate,
  Tool,
} from "./lib/mcp_types.ts";
export type { ProgressInfo } from "./lib/mcp_client.ts";
export type { LogLevel } from "./lib/log.ts";
export { BridgeError, type BridgeErrorOptions, type ErrorKind, ExitCode } from "./lib/errors.ts";
