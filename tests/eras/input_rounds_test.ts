import assert from "node:assert/strict";
import {
  buildRetryRequest,
  collectInputResponses,
  createInputFailure,
  planInputRound,
} from "../../lib/eras/input_rounds.ts";
import { isBridgeId, type JsonRpcRequest } from "../../lib/jsonrpc/message.ts";

const mint = (key: string) => `mcp-streamablehttp-client:input:${key}`;
const form = {
  method: "elicitation/create",
  params: { mode: "form", message: "OK?", requestedSchema: { type: "object", properties: {} } },
};
const url = {
  method: "elicitation/create",
  params: { mode: "url", message: "Sign in", url: "https://example.com/login" },
};
const sampling = {
  method: "sampling/createMessage",
  params: { messages: [], maxTokens: 10 },
};

Deno.test("eras N-34: input requests become client requests from the bridge's id space", () => {
  const plan = planInputRound(
    { confirm: form, login: url, llm: sampling, roots: { method: "roots/list" } },
    { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} },
    mint,
  );
  assert.ok(plan.kind === "ask");
  assert.deepEqual(plan.asks.map((ask) => ask.key), ["confirm", "login", "llm", "roots"]);
  for (const ask of plan.asks) assert.ok(isBridgeId(ask.request.id));
  assert.deepEqual(plan.asks[0].request, {
    jsonrpc: "2.0",
    id: mint("confirm"),
    method: "elicitation/create",
    params: form.params,
  });
  // 2025-11-25 requires an elicitationId in URL mode.
  assert.equal(plan.asks[1].request.params?.elicitationId, mint("login"));
  assert.deepEqual(plan.asks[3].request.params, {});
});

Deno.test("eras N-34: capabilities the client did not declare fail the round", () => {
  const table: Array<[Record<string, unknown>, Record<string, unknown>, RegExp | "ask"]> = [
    [{ a: form }, { elicitation: {} }, "ask"],
    [{ a: url }, { elicitation: {} }, /url elicitation, which the client did not declare/],
    [{ a: form }, { elicitation: { url: {} } }, /form elicitation/],
    [{ a: url }, { elicitation: { url: {} } }, "ask"],
    [{ a: form }, {}, /form elicitation/],
    [{ a: sampling }, { elicitation: {} }, /sampling\/createMessage, .*\(sampling\)/],
    [{ a: { method: "roots/list" } }, {}, /roots\/list/],
    [{ a: { method: "tools/call" } }, { sampling: {} }, /unknown method tools\/call/],
    [{ a: "nope" }, {}, /is not a request/],
  ];
  for (const [requests, capabilities, expected] of table) {
    const plan = planInputRound(requests, capabilities, mint);
    if (expected === "ask") assert.equal(plan.kind, "ask");
    else {
      assert.ok(plan.kind === "fail", JSON.stringify(requests));
      assert.match(plan.reason, expected);
    }
  }
});

Deno.test("eras N-35: answers become inputResponses; an error fails the request", () => {
  const plan = planInputRound({ a: form, b: sampling }, { elicitation: {}, sampling: {} }, mint);
  assert.ok(plan.kind === "ask");
  const declined = { action: "decline" };
  const sampled = { role: "assistant", content: { type: "text", text: "hi" }, model: "m" };
  assert.deepEqual(
    collectInputResponses(
      plan.asks,
      new Map([
        ["a", { jsonrpc: "2.0" as const, id: mint("a"), result: declined }],
        ["b", { jsonrpc: "2.0" as const, id: mint("b"), result: sampled }],
      ]),
    ),
    { kind: "ok", inputResponses: { a: declined, b: sampled } },
  );
  const failed = collectInputResponses(
    plan.asks,
    new Map([
      ["a", { jsonrpc: "2.0" as const, id: mint("a"), result: declined }],
      ["b", {
        jsonrpc: "2.0" as const,
        id: mint("b"),
        error: { code: -32601, message: "no model" },
      }],
    ]),
  );
  assert.deepEqual(failed, {
    kind: "fail",
    reason: "the client answered sampling/createMessage with error -32601: no model",
  });
});

Deno.test("eras N-34: the retry has a new id, this round's answers and requestState as received", () => {
  const state = 'opaque "state" \u00e9\u2028 with escapes\\n';
  const original: JsonRpcRequest = {
    jsonrpc: "2.0",
    id: "up-1",
    method: "tools/call",
    params: {
      name: "confirm",
      arguments: { x: 1 },
      _meta: { progressToken: 9 },
      inputResponses: { old: {} },
      requestState: "old",
    },
  };
  const retry = buildRetryRequest(original, "up-2", { a: { action: "accept" } }, state);
  assert.deepEqual(retry, {
    jsonrpc: "2.0",
    id: "up-2",
    method: "tools/call",
    params: {
      name: "confirm",
      arguments: { x: 1 },
      _meta: { progressToken: 9 },
      inputResponses: { a: { action: "accept" } },
      requestState: state,
    },
  });
  assert.ok(JSON.stringify(retry).includes(JSON.stringify(state)));
  const stateOnly = buildRetryRequest(original, "up-3", {}, undefined);
  assert.deepEqual(stateOnly.params, {
    name: "confirm",
    arguments: { x: 1 },
    _meta: { progressToken: 9 },
  });
});

Deno.test("eras N-35: a failed translation is a tool error for tools/call, a JSON-RPC error otherwise", () => {
  const call: JsonRpcRequest = { jsonrpc: "2.0", id: 1, method: "tools/call", params: {} };
  assert.deepEqual(createInputFailure(call, "the round cap was hit"), {
    result: {
      content: [{ type: "text", text: "Cannot complete tools/call: the round cap was hit" }],
      isError: true,
    },
  });
  const failure = createInputFailure({ ...call, method: "prompts/get" }, "no elicitation");
  assert.ok("error" in failure);
  assert.equal(failure.error.code, -32603);
  assert.equal(failure.error.message, "Cannot complete prompts/get: no elicitation");
});
