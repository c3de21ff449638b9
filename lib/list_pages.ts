/**
 * Lists that span pages: follows `nextCursor` until the server has sent every page, refusing a
 * server that repeats a cursor or never ends. Shared by the CLI's list modes and the library.
 *
 * @module
 */

import { BridgeError } from "./errors.ts";
import type { McpClient } from "./mcp_client.ts";

/** The most pages a list follows before it gives up on a server that never ends. */
export const MAX_LIST_PAGES = 1000;

/**
 * Requests every page of a list method, following `nextCursor`.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/utilities/pagination
 */
export async function listAllPages<T>(
  client: Pick<McpClient, "request">,
  method: string,
  key: string,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await client.request<Record<string, unknown>>(
      method,
      cursor === undefined ? undefined : { cursor },
    );
    const found = result[key];
    if (found !== undefined && !Array.isArray(found)) {
      throw new BridgeError("protocol", `Server sent an invalid "${method}" result`);
    }
    items.push(...(found ?? []) as T[]);
    const next = result.nextCursor;
    if (typeof next !== "string" || next === "") return items;
    if (seen.has(next)) {
      throw new BridgeError("protocol", `Server repeated the cursor of "${method}"`);
    }
    seen.add(next);
    cursor = next;
  }
  throw new BridgeError("protocol", `Server sent more than ${MAX_LIST_PAGES} pages of "${method}"`);
}
