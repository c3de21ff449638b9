import assert from "node:assert/strict";
import {
  buildListenFilter,
  catchUpNotifications,
  routeListenNotification,
  sameListenFilter,
} from "../../lib/eras/listen.ts";

const SUB = "io.modelcontextprotocol/subscriptionId";

Deno.test("eras N-38: the listen filter follows the server's capabilities and subscriptions", () => {
  const caps = {
    tools: { listChanged: true },
    prompts: {},
    resources: { listChanged: true, subscribe: true },
  };
  assert.deepEqual(buildListenFilter(caps, []), {
    toolsListChanged: true,
    resourcesListChanged: true,
  });
  assert.deepEqual(buildListenFilter(caps, ["a://1"]), {
    toolsListChanged: true,
    resourcesListChanged: true,
    resourceSubscriptions: ["a://1"],
  });
  assert.equal(buildListenFilter({ tools: {} }, ["a://1"]), undefined);
  assert.deepEqual(buildListenFilter({ resources: { subscribe: true } }, ["x"]), {
    resourceSubscriptions: ["x"],
  });
  assert.ok(
    sameListenFilter({ resourceSubscriptions: ["a", "b"] }, { resourceSubscriptions: ["b", "a"] }),
  );
  assert.ok(!sameListenFilter({ toolsListChanged: true }, undefined));
  assert.ok(sameListenFilter(undefined, undefined));
});

Deno.test("eras N-38: listen messages: the ack is consumed, notifications lose the subscription id", () => {
  assert.deepEqual(
    routeListenNotification({
      jsonrpc: "2.0",
      method: "notifications/subscriptions/acknowledged",
      params: { notifications: { toolsListChanged: true }, _meta: { [SUB]: "L" } },
    }),
    { kind: "acknowledged", honoured: { toolsListChanged: true } },
  );
  assert.deepEqual(
    routeListenNotification({
      jsonrpc: "2.0",
      method: "notifications/tools/list_changed",
      params: { _meta: { [SUB]: "L" } },
    }),
    {
      kind: "forward",
      notification: { jsonrpc: "2.0", method: "notifications/tools/list_changed", params: {} },
    },
  );
  assert.deepEqual(
    routeListenNotification({
      jsonrpc: "2.0",
      method: "notifications/resources/updated",
      params: { uri: "a://1", _meta: { [SUB]: "L", other: 1 } },
    }).kind === "forward",
    true,
  );
  const updated = routeListenNotification({
    jsonrpc: "2.0",
    method: "notifications/resources/updated",
    params: { uri: "a://1", _meta: { [SUB]: "L", other: 1 } },
  });
  assert.ok(updated.kind === "forward");
  assert.deepEqual(updated.notification.params, { uri: "a://1", _meta: { other: 1 } });
  assert.deepEqual(
    catchUpNotifications({ toolsListChanged: true, resourceSubscriptions: ["x"] }).map((n) =>
      n.method
    ),
    ["notifications/tools/list_changed"],
  );
});
