/**
 * What the bridge knows about the tools of a 2026-07-28 server for its `Mcp-Param-*` headers:
 * the `x-mcp-header` annotations of every tool seen in a relayed `tools/list` page, and the
 * filter that removes tools whose annotations are invalid from that page before the client sees
 * it. In memory, per transport; no I/O.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http#custom-headers
 */

import { type HeaderDeclaration, scanToolHeaders } from "./modern_headers.ts";

/** A tool removed from a `tools/list` page, and why. */
export interface DroppedTool {
  name: string;
  reason: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The `x-mcp-header` annotations of the tools seen so far. */
export class ToolHeaderCache {
  #tools = new Map<string, readonly HeaderDeclaration[]>();
  #invalid = new Set<string>();

  /** The annotations of `name`: empty for a tool without any, undefined for an unknown tool. */
  get(name: string): readonly HeaderDeclaration[] | undefined {
    return this.#tools.get(name) ?? (this.#invalid.has(name) ? [] : undefined);
  }

  /** Whether `name` appeared in a `tools/list` page (valid or not). */
  has(name: string): boolean {
    return this.#tools.has(name) || this.#invalid.has(name);
  }

  /** Forgets everything (before a full re-listing). */
  clear(): void {
    this.#tools.clear();
    this.#invalid.clear();
  }

  /**
   * Learns the tools of one `tools/list` result and returns it without the tools whose
   * annotations are invalid (the same object when none was removed).
   */
  learn(
    result: Record<string, unknown>,
  ): { result: Record<string, unknown>; dropped: DroppedTool[] } {
    if (!Array.isArray(result.tools)) return { result, dropped: [] };
    const kept: unknown[] = [];
    const dropped: DroppedTool[] = [];
    for (const tool of result.tools) {
      if (!isRecord(tool) || typeof tool.name !== "string") {
        kept.push(tool);
        continue;
      }
      const scan = scanToolHeaders(tool.inputSchema);
      if (scan.valid) {
        this.#tools.set(tool.name, scan.declarations);
        this.#invalid.delete(tool.name);
        kept.push(tool);
      } else {
        this.#tools.delete(tool.name);
        this.#invalid.add(tool.name);
        dropped.push({ name: tool.name, reason: scan.reason });
      }
    }
    return dropped.length === 0
      ? { result, dropped }
      : { result: { ...result, tools: kept }, dropped };
  }
}
