/**
 * `subscriptions/listen` on behalf of a 2025-era client: which notifications to ask a modern
 * server for (the `listChanged` flags it declared, the resources the client subscribed to), and
 * how each message on the listen stream is handed to a client that expects unsolicited
 * `list_changed` and `resources/updated`. Pure.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/subscriptions
 * @module
 */

import type { JsonRpcNotification } from "../jsonrpc/message.ts";
import { isRecord, MetaKey } from "./wire.ts";

/** The `notifications` filter of a `subscriptions/listen` request. */
export interface ListenFilter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
}

function declaresListChanged(capabilities: Record<string, unknown>, feature: string): boolean {
  const entry = capabilities[feature];
  return isRecord(entry) && entry.listChanged === true;
}

/**
 * The filter to listen with: every list the server says can change, and the subscribed
 * resources when it supports subscriptions. Undefined when there is nothing to listen for.
 */
export function buildListenFilter(
  serverCapabilities: Record<string, unknown>,
  resourceSubscriptions: readonly string[],
): ListenFilter | undefined {
  const filter: ListenFilter = {};
  if (declaresListChanged(serverCapabilities, "tools")) filter.toolsListChanged = true;
  if (declaresListChanged(serverCapabilities, "prompts")) filter.promptsListChanged = true;
  if (declaresListChanged(serverCapabilities, "resources")) filter.resourcesListChanged = true;
  const resources = serverCapabilities.resources;
  if (resourceSubscriptions.length > 0 && isRecord(resources) && resources.subscribe === true) {
    filter.resourceSubscriptions = [...resourceSubscriptions];
  }
  return Object.keys(filter).length === 0 ? undefined : filter;
}

/** Whether two filters ask for the same notifications. */
export function sameListenFilter(
  a: ListenFilter | undefined,
  b: ListenFilter | undefined,
): boolean {
  const key = (filter: ListenFilter | undefined) =>
    filter === undefined ? "" : JSON.stringify({
      t: filter.toolsListChanged ?? false,
      p: filter.promptsListChanged ?? false,
      r: filter.resourcesListChanged ?? false,
      s: [...(filter.resourceSubscriptions ?? [])].sort(),
    });
  return key(a) === key(b);
}

/** What to do with one message of the listen stream. */
export type ListenMessageRoute =
  /** `notifications/subscriptions/acknowledged`: the server's honoured filter. */
  | { kind: "acknowledged"; honoured: Record<string, unknown> }
  /** A notification for the client, without the subscription id the server stamped on it. */
  | { kind: "forward"; notification: JsonRpcNotification };

/** Routes one notification that arrived on the listen stream. */
export function routeListenNotification(notification: JsonRpcNotification): ListenMessageRoute {
  if (notification.method === "notifications/subscriptions/acknowledged") {
    const params = isRecord(notification.params) ? notification.params : {};
    return {
      kind: "acknowledged",
      honoured: isRecord(params.notifications) ? params.notifications : {},
    };
  }
  const params = notification.params;
  if (!isRecord(params) || !isRecord(params._meta) || !(MetaKey.subscriptionId in params._meta)) {
    return { kind: "forward", notification };
  }
  const { [MetaKey.subscriptionId]: _dropped, ...meta } = params._meta;
  const { _meta: _old, ...rest } = params;
  return {
    kind: "forward",
    notification: {
      ...notification,
      params: Object.keys(meta).length === 0 ? rest : { ...rest, _meta: meta },
    },
  };
}

/** The `list_changed` notifications a client gets after a dropped listen stream was reopened. */
export function catchUpNotifications(filter: ListenFilter): JsonRpcNotification[] {
  const out: JsonRpcNotification[] = [];
  const add = (method: string) => out.push({ jsonrpc: "2.0", method });
  if (filter.toolsListChanged) add("notifications/tools/list_changed");
  if (filter.promptsListChanged) add("notifications/prompts/list_changed");
  if (filter.resourcesListChanged) add("notifications/resources/list_changed");
  return out;
}
