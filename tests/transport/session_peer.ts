/**
 * A 2025-era session under test wired to a real MCP server fixture on 127.0.0.1, shared by the
 * session and GET stream tests: an inbox for its messages, a capturing logger, a static token
 * and a short reconnect delay. Disposing it closes the session, then the server.
 *
 * @module
 */

import {
  createStreamableHttpSession,
  type StreamableHttpOptions,
} from "../../lib/transport/session.ts";
import { createStaticCredentials } from "../../lib/transport/static_credentials.ts";
import { type McpServerOptions, startMcpServer } from "../fixtures/mcp_server.ts";
import { createTestTransportOptions } from "./harness.ts";

/** Starts the server fixture and creates a session to it (nothing is sent yet). */
export async function startSessionPeer(
  serverOptions: McpServerOptions = {},
  sessionOptions: Partial<StreamableHttpOptions> = {},
) {
  const server = await startMcpServer(serverOptions);
  const { inbox, lines, options } = createTestTransportOptions(
    server.url,
    createStaticCredentials("static-token-123"),
  );
  const session = createStreamableHttpSession({
    ...options,
    headers: [["X-Test", "yes"]],
    ...sessionOptions,
  });
  return {
    server,
    inbox,
    lines,
    session,
    async [Symbol.asyncDispose]() {
      await session.close();
      await server.close();
    },
  };
}
