/**
 * The official MCP conformance suite's client scenarios, run through the bridge (see
 * `runner.ts` for how, `harness.ts` for the client that drives the bridge). One step per
 * scenario; the scenarios run two at a time in the background while the steps report in order.
 *
 * @module
 */

import assert from "node:assert/strict";
import { classifyLine } from "./harness.ts";
import { answerInputRequest, elicitationDefaults, parseContext, planScenario } from "./plan.ts";
import {
  type Check,
  EXPECTED_FAILURES,
  findProblems,
  formatFailure,
  prepareSuite,
  RUNS,
  runScenarios,
  type ScenarioResult,
} from "./runner.ts";

Deno.test("harness rejects stdout lines that are not JSON-RPC messages", () => {
  assert.equal(classifyLine("hello").kind, "invalid");
  assert.equal(classifyLine("[]").kind, "invalid");
  assert.equal(classifyLine('{"jsonrpc":"1.0","id":1,"result":{}}').kind, "invalid");
  assert.equal(classifyLine('{"jsonrpc":"2.0","id":1}').kind, "invalid");
  assert.equal(classifyLine('{"jsonrpc":"2.0","id":1,"result":{},"error":{}}').kind, "invalid");
  assert.equal(classifyLine('{"jsonrpc":"2.0","id":1.5,"result":{}}').kind, "invalid");
  assert.equal(classifyLine('{"jsonrpc":"2.0","id":1,"error":{"code":"x"}}').kind, "invalid");
  assert.deepEqual(
    classifyLine('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}'),
    {
      kind: "response",
      id: null,
      error: { code: -32700, message: "x" },
    },
  );
  assert.equal(classifyLine('{"jsonrpc":"2.0","method":"notifications/x"}').kind, "notification");
  assert.equal(classifyLine('{"jsonrpc":"2.0","id":"a","method":"ping"}').kind, "request");
  assert.equal(classifyLine('{"jsonrpc":"2.0","id":7,"result":{}}').kind, "response");
});

Deno.test("harness answers elicitation with every default of the requested schema", () => {
  const params = {
    requestedSchema: {
      type: "object",
      properties: {
        name: { type: "string", default: "John Doe" },
        age: { type: "integer", default: 30 },
        verified: { type: "boolean", default: false },
        note: { type: "string" },
      },
    },
  };
  assert.deepEqual(elicitationDefaults(params), { name: "John Doe", age: 30, verified: false });
  assert.deepEqual(elicitationDefaults({}), {});
});

Deno.test("harness configures the bridge from the scenario and its context", () => {
  const preRegistered = planScenario(
    "auth/pre-registration",
    parseContext('{"name":"auth/pre-registration","client_id":"c","client_secret":"s"}'),
  );
  assert.deepEqual(preRegistered.env, { MCP_CLIENT_ID: "c", MCP_CLIENT_SECRET: "s" });
  assert.ok(!preRegistered.flags.includes("--client-credentials"));
  const machine = planScenario("auth/client-credentials-basic", { client_id: "c" });
  assert.ok(machine.flags.includes("--client-credentials"));
  const cimd = planScenario("auth/basic-cimd", {});
  assert.ok(cimd.flags.includes("--client-metadata-url"));
  assert.ok(planScenario("elicitation-sep1034-client-defaults", {}).elicitation);
  assert.ok(planScenario("auth/scope-retry-limit", {}).expectRefusal);
  assert.ok(!planScenario("auth/scope-step-up", {}).expectRefusal);
  assert.throws(() => parseContext("[1]"), /not a JSON object/);
});

function result(checks: Check[], verdict = "PASS", code = 0): ScenarioResult {
  return {
    name: "initialize",
    scenario: "initialize",
    code,
    checks,
    verdict,
    clientStderr: "",
    cliStderr: "",
    durationMs: 0,
  };
}

const success = (id: string): Check => ({ id, name: id, description: id, status: "SUCCESS" });

Deno.test("a scenario passes only with a success, no failure or warning and a PASS verdict", () => {
  assert.deepEqual(findProblems(result([success("mcp-client-initialization")])), []);
  assert.deepEqual(findProblems(result([])), [
    "no check succeeded",
    'check "mcp-client-initialization" missing',
  ]);
  const warned = findProblems(
    result([success("mcp-client-initialization"), {
      id: "x",
      name: "x",
      description: "should",
      status: "WARNING",
      errorMessage: "late",
    }]),
  );
  assert.deepEqual(warned, ["WARNING x (should): late"]);
  assert.deepEqual(
    findProblems(result([success("mcp-client-initialization")], "FAIL: bad line")),
    ["harness: FAIL: bad line"],
  );
  assert.deepEqual(
    findProblems(result([success("mcp-client-initialization")], "PASS", 1)),
    ["conformance CLI exited with code 1"],
  );
});

Deno.test("the 2026 harness plans modern-wire scenarios and answers input requests", () => {
  const modern = planScenario("http-custom-headers", {
    toolCalls: [{ name: "t", arguments: { region: "us" } }],
  }, { wire: "2026-07-28", driver: "2026" });
  assert.deepEqual(modern.toolCalls, [{ name: "t", arguments: { region: "us" } }]);
  assert.ok(modern.elicitation);
  assert.equal(modern.driver, "2026");
  assert.ok(planScenario("auth/iss-wrong-issuer", {}).expectRefusal);
  assert.deepEqual(planScenario("json-schema-ref-no-deref", {}).toolCalls, []);
  const jwt = planScenario("auth/client-credentials-jwt", { client_id: "c", private_key_pem: "k" });
  assert.equal(jwt.env.MCP_CLIENT_PRIVATE_KEY, "k");
  assert.deepEqual(answerInputRequest("roots/list", {}, modern), { roots: [] });
  assert.equal(answerInputRequest("tasks/get", {}, modern), undefined);
  assert.equal(answerInputRequest("elicitation/create", {}, { elicitation: false }), undefined);
});

/** How many scenarios run at once; each is a CLI, a harness and a bridge process. */
const CONCURRENCY = 3;

Deno.test({
  name: "MCP conformance suite: client scenarios through the bridge",
  async fn(t) {
    await prepareSuite();
    const results = runScenarios(RUNS, { concurrency: CONCURRENCY });
    // Every promise is awaited by its step; keep a rejection from being reported early.
    for (const promise of results) promise.catch(() => {});
    for (const [index, { name: scenario }] of RUNS.entries()) {
      await t.step(scenario, async () => {
        const outcome = await results[index];
        const problems = findProblems(outcome);
        const reason = EXPECTED_FAILURES[scenario];
        if (reason === undefined) {
          assert.ok(problems.length === 0, formatFailure(outcome, problems));
        } else {
          assert.ok(
            problems.length > 0,
            `Scenario ${scenario} now passes; remove it from EXPECTED_FAILURES (${reason})`,
          );
        }
      });
    }
  },
});
