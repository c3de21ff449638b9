import assert from "node:assert/strict";
import { checkReinitialized, missingCapabilities } from "../../lib/transport/reinitialize_check.ts";

const first = {
  protocolVersion: "2025-11-25",
  capabilities: { tools: { listChanged: true }, resources: { subscribe: true }, logging: {} },
};

Deno.test("reinitialize check: the same or more capabilities fit", () => {
  assert.equal(checkReinitialized(first, first), undefined);
  const more = {
    ...first,
    capabilities: { ...first.capabilities, prompts: {}, tools: { listChanged: true, x: 1 } },
  };
  assert.equal(checkReinitialized(first, more), undefined);
});

Deno.test("reinitialize check: a changed version or a dropped capability is an error", () => {
  const version = checkReinitialized(first, { ...first, protocolVersion: "2025-06-18" });
  assert.equal(version?.kind, "session_lost");
  assert.match(String(version?.message), /"2025-06-18" instead of "2025-11-25"/);
  const dropped = checkReinitialized(first, {
    protocolVersion: "2025-11-25",
    capabilities: { tools: {}, logging: {} },
  });
  assert.equal(dropped?.kind, "session_lost");
  assert.deepEqual(dropped?.details, {
    missingCapabilities: ["tools.listChanged", "resources"],
  });
  assert.deepEqual(missingCapabilities({ a: false, b: {} }, {}), ["b"]);
});
