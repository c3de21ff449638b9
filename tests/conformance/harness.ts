/**
 * The stdio MCP client that the conformance suite runs (`conformance client --command …`). It is
 * deliberately small and our own, not the SDK client: it spawns the bridge exactly like the
 * compiled binary runs (see `tests/support/main_process.ts`), speaks newline-delimited JSON-RPC
 * on the bridge's stdin/stdout and drives one scenario: `initialize`, `notifications/initialized`,
 * `tools/list`, then `tools/call` of every listed tool, answering `elicitation/create` with the
 * schema's defaults, and retrying (like a user) a request the bridge answered with `auth_required`
 * while it signs in again in the background. It fails when any stdout line of the bridge is not a
 * JSON-RPC message, when a request gets no answer, when an answer is an error (unless the scenario
 * expects the bridge to give up) and when the bridge does not exit cleanly after stdin closes.
 *
 * The runner appends the server URL as the last argument and sets `MCP_CONFORMANCE_SCENARIO`
 * and `MCP_CONFORMANCE_CONTEXT`. The last stderr line is the verdict the runner reads:
 * `conformance-harness: PASS` or `conformance-harness: FAIL: <reason>`.
 *
 * @module
 */

import { baseEnv, mainArgs } from "../support/main_process.ts";

/** The client id the suite's CIMD scenario expects to see at `/authorize`. */
export const CONFORMANCE_CLIENT_METADATA_URL =
  "https://conformance-test.local/client-metadata.json";

/** How long one request may stay unanswered, in ms (sign-in flows included). */
const REQUEST_TIMEOUT_MS = 40_000;
/** How long the bridge may take to exit after stdin closes, in ms. */
const EXIT_TIMEOUT_MS = 10_000;
/** How often a request answered `auth_required` is retried, and after how long (ms). */
const AUTH_RETRIES = 5;
const AUTH_RETRY_DELAY_MS = 1_000;
/** The verdict prefix on the harness's last stderr line. */
export const VERDICT_PREFIX = "conformance-harness:";

/** Tool arguments for the suite's tools that take any; other tools are called with `{}`. */
const TOOL_ARGUMENTS: Readonly<Record<string, Record<string, unknown>>> = {
  add_numbers: { a: 5, b: 3 },
};

/** How the bridge is started and what the harness accepts for one scenario. */
export interface ScenarioPlan {
  /** Extra bridge flags. */
  flags: string[];
  /** Extra bridge environment. */
  env: Record<string, string>;
  /** Declare the elicitation capability and answer `elicitation/create`. */
  elicitation: boolean;
  /** The scenario expects the bridge to give up (answer with an error) rather than succeed. */
  expectRefusal: boolean;
}

/** Scenarios in which the right behaviour is a JSON-RPC error from the bridge. */
const REFUSAL_SCENARIOS = new Set(["auth/scope-retry-limit", "auth/resource-mismatch"]);

/** Derives the bridge flags and environment for a scenario from its name and context. */
export function planScenario(
  scenario: string,
  context: Readonly<Record<string, unknown>>,
): ScenarioPlan {
  const flags = ["--allow-http", "--log-level", "DEBUG"];
  const env: Record<string, string> = {};
  if (typeof context.client_id === "string") env.MCP_CLIENT_ID = context.client_id;
  if (typeof context.client_secret === "string") env.MCP_CLIENT_SECRET = context.client_secret;
  if (scenario.startsWith("auth/client-credentials-")) flags.push("--client-credentials");
  if (scenario === "auth/basic-cimd") {
    flags.push("--client-metadata-url", CONFORMANCE_CLIENT_METADATA_URL);
  }
  return {
    flags,
    env,
    elicitation: scenario.startsWith("elicitation-"),
    expectRefusal: REFUSAL_SCENARIOS.has(scenario),
  };
}

/** Parses `MCP_CONFORMANCE_CONTEXT` (a JSON object) or returns `{}` when it is absent. */
export function parseContext(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === "") return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("MCP_CONFORMANCE_CONTEXT is not a JSON object");
  }
  return value as Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What one stdout line is, or why it is not a JSON-RPC message. */
export type ClassifiedLine =
  | { kind: "request"; id: string | number; method: string; params: unknown }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "response"; id: string | number | null; result?: unknown; error?: unknown }
  | { kind: "invalid"; reason: string };

/** Classifies one line of the bridge's stdout as a JSON-RPC 2.0 message. Pure. */
export function classifyLine(line: string): ClassifiedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: "invalid", reason: "not JSON" };
  }
  if (!isObject(value)) return { kind: "invalid", reason: "not a JSON object" };
  if (value.jsonrpc !== "2.0") return { kind: "invalid", reason: 'jsonrpc is not "2.0"' };
  const id = value.id;
  const validId = typeof id === "string" || (typeof id === "number" && Number.isInteger(id));
  if ("method" in value) {
    if (typeof value.method !== "string") return { kind: "invalid", reason: "method not a string" };
    if (!("id" in value)) {
      return { kind: "notification", method: value.method, params: value.params };
    }
    if (!validId) return { kind: "invalid", reason: "request id is not a string or integer" };
    return {
      kind: "request",
      id: id as string | number,
      method: value.method,
      params: value.params,
    };
  }
  const hasResult = "result" in value;
  const hasError = "error" in value;
  if (hasResult === hasError) {
    return { kind: "invalid", reason: "response needs exactly one of result and error" };
  }
  if (!validId && !(hasError && id === null)) {
    return { kind: "invalid", reason: "response id is not a string or integer" };
  }
  if (hasError) {
    const error = value.error;
    if (
      !isObject(error) || !Number.isInteger(error.code) || typeof error.message !== "string"
    ) {
      return { kind: "invalid", reason: "error is not {code: integer, message: string}" };
    }
    return { kind: "response", id: id as string | number | null, error };
  }
  return { kind: "response", id: id as string | number, result: value.result };
}

/** Whether a JSON-RPC error is the bridge's "sign-in needed, retry" answer. */
export function isAuthRequired(error: unknown): boolean {
  return isObject(error) && isObject(error.data) && error.data.kind === "auth_required";
}

/** The content an elicitation answer carries: every property's `default` from the schema. */
export function elicitationDefaults(params: unknown): Record<string, unknown> {
  const schema = isObject(params) ? params.requestedSchema : undefined;
  const properties = isObject(schema) ? schema.properties : undefined;
  const content: Record<string, unknown> = {};
  if (!isObject(properties)) return content;
  for (const [name, property] of Object.entries(properties)) {
    if (isObject(property) && "default" in property) content[name] = property.default;
  }
  return content;
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      yield pending.slice(0, newline).replace(/\r$/, "");
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  }
  if (pending !== "") yield pending;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** A script the bridge can run as `$BROWSER <url>`: it delivers the sign-in redirect. */
function writeBrowserScript(dir: string): { path: string; log: string } {
  const userAgent = new URL("./user_agent.ts", import.meta.url).pathname;
  const path = `${dir}/browser`;
  const log = `${dir}/user_agent.log`;
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  Deno.writeTextFileSync(
    path,
    `#!/bin/sh\nexec ${quote(Deno.execPath())} run -A --no-prompt ${quote(userAgent)} "$@" ` +
      `>>${quote(log)} 2>&1\n`,
  );
  Deno.chmodSync(path, 0o755);
  return { path, log };
}

class HarnessFailure extends Error {}

interface Response {
  result?: unknown;
  error?: unknown;
}

/** Drives one scenario through the bridge; resolves with the verdict. */
export async function runHarness(
  serverUrl: string,
  scenario: string,
  context: Readonly<Record<string, unknown>>,
): Promise<{ ok: boolean; reason: string }> {
  const plan = planScenario(scenario, context);
  const env = baseEnv({ MCP_SERVER_URL: serverUrl, ...plan.env });
  const browser = writeBrowserScript(env.HOME);
  env.BROWSER = browser.path;
  const child = new Deno.Command(Deno.execPath(), {
    args: mainArgs(plan.flags),
    cwd: env.HOME,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const onSignal = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    Deno.exit(143);
  };
  Deno.addSignalListener("SIGTERM", onSignal);

  const violations: string[] = [];
  const pending = new Map<
    string | number,
    { resolve: (response: Response) => void; reject: (error: Error) => void }
  >();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  let stdinOpen = true;
  const send = async (message: Record<string, unknown>) => {
    if (!stdinOpen) return;
    await writer.write(encoder.encode(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`));
  };

  const answerServerRequest = async (id: string | number, method: string, params: unknown) => {
    if (method === "elicitation/create" && plan.elicitation) {
      const content = elicitationDefaults(params);
      console.error(`harness: elicitation/create answered with ${JSON.stringify(content)}`);
      await send({ id, result: { action: "accept", content } });
    } else if (method === "ping") {
      await send({ id, result: {} });
    } else if (method === "roots/list") {
      await send({ id, result: { roots: [] } });
    } else {
      await send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
    }
  };

  const reading = (async () => {
    for await (const line of readLines(child.stdout)) {
      const message = classifyLine(line);
      switch (message.kind) {
        case "invalid":
          violations.push(`stdout line is not JSON-RPC (${message.reason}): ${preview(line)}`);
          break;
        case "response": {
          const waiter = message.id === null ? undefined : pending.get(message.id);
          if (!waiter) {
            violations.push(`response to an unknown request id: ${preview(line)}`);
          } else {
            pending.delete(message.id!);
            waiter.resolve(message);
          }
          break;
        }
        case "request":
          await answerServerRequest(message.id, message.method, message.params).catch(
            (error) => violations.push(`Cannot answer ${message.method}: ${error}`),
          );
          break;
        case "notification":
          break;
      }
    }
    const status = await child.status;
    for (const waiter of pending.values()) {
      waiter.reject(
        new HarnessFailure(`Bridge closed stdout and exited with code ${status.code}`),
      );
    }
    pending.clear();
  })();

  let nextId = 1;
  const request = (method: string, params: Record<string, unknown>): Promise<Response> => {
    const id = nextId++;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new HarnessFailure(`No answer to ${method} within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, {
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(new HarnessFailure(`No answer to ${method}: ${error.message}`));
        },
      });
      send({ id, method, params }).catch((error) => {
        clearTimeout(timer);
        pending.delete(id);
        reject(new HarnessFailure(`Cannot write ${method} to the bridge: ${error}`));
      });
    });
  };
  // In proxy mode, a refusal that needs a new sign-in once the session runs (401 on a later
  // request, 403 insufficient_scope) fails the request at once with `auth_required` while the
  // sign-in runs in the background; the user is asked to retry. The harness retries like a user.
  const requestWithRetry = async (
    method: string,
    params: Record<string, unknown>,
  ): Promise<Response> => {
    for (let attempt = 1;; attempt++) {
      const response = await request(method, params);
      if (!isAuthRequired(response.error) || attempt > AUTH_RETRIES) return response;
      console.error(`harness: ${method} answered auth_required; retrying like a user would`);
      await new Promise((resolve) => setTimeout(resolve, AUTH_RETRY_DELAY_MS));
    }
  };
  // Returns the result, or undefined when the scenario expects the bridge to refuse.
  const expectResult = (method: string, response: Response): unknown => {
    if (response.error !== undefined) {
      if (plan.expectRefusal) {
        console.error(`harness: ${method} refused as expected: ${JSON.stringify(response.error)}`);
        return undefined;
      }
      throw new HarnessFailure(
        `${method} answered with an error: ${JSON.stringify(response.error)}`,
      );
    }
    if (!isObject(response.result)) {
      throw new HarnessFailure(`${method} result is not an object`);
    }
    return response.result;
  };

  let failure: string | undefined;
  try {
    const initialized = expectResult(
      "initialize",
      await requestWithRetry("initialize", {
        protocolVersion: "2025-11-25",
        capabilities: plan.elicitation ? { elicitation: {} } : {},
        clientInfo: { name: "mcp-shc-conformance-harness", version: "1.0.0" },
      }),
    );
    if (isObject(initialized)) {
      if (typeof initialized.protocolVersion !== "string") {
        throw new HarnessFailure("initialize result has no protocolVersion");
      }
      await send({ method: "notifications/initialized" });
      const listed = expectResult("tools/list", await requestWithRetry("tools/list", {}));
      if (isObject(listed)) {
        if (!Array.isArray(listed.tools)) throw new HarnessFailure("tools/list has no tools array");
        for (const tool of listed.tools) {
          const name = isObject(tool) ? tool.name : undefined;
          if (typeof name !== "string") throw new HarnessFailure("a listed tool has no name");
          const called = expectResult(
            `tools/call ${name}`,
            await requestWithRetry("tools/call", { name, arguments: TOOL_ARGUMENTS[name] ?? {} }),
          );
          if (isObject(called)) {
            if (called.isError === true) {
              throw new HarnessFailure(
                `tools/call ${name} returned isError: ${preview(JSON.stringify(called))}`,
              );
            }
            if (!Array.isArray(called.content)) {
              throw new HarnessFailure(`tools/call ${name} result has no content array`);
            }
          }
        }
      }
    }
  } catch (error) {
    if (!(error instanceof HarnessFailure)) throw error;
    failure = error.message;
  }

  stdinOpen = false;
  await writer.close().catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = await Promise.race([
    Promise.all([child.status, reading]).then(([status]) => status),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), EXIT_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (exited === undefined) {
    child.kill("SIGKILL");
    await child.status;
    failure ??= `Bridge did not exit within ${EXIT_TIMEOUT_MS / 1000} s after stdin closed`;
  } else if (exited.code !== 0) {
    failure ??= `Bridge exited with code ${exited.code} after stdin closed`;
  }
  Deno.removeSignalListener("SIGTERM", onSignal);
  if (pending.size > 0) failure ??= `${pending.size} request(s) never answered`;
  if (violations.length > 0) failure = [failure, ...violations].filter(Boolean).join("; ");

  try {
    const log = Deno.readTextFileSync(browser.log).trim();
    if (log) console.error(`harness: user agent log:\n${log}`);
  } catch {
    // the browser was never opened
  }
  Deno.removeSync(env.HOME, { recursive: true });
  return failure === undefined
    ? { ok: true, reason: "PASS" }
    : { ok: false, reason: `FAIL: ${failure}` };
}

if (import.meta.main) {
  const serverUrl = Deno.args.at(-1);
  const scenario = Deno.env.get("MCP_CONFORMANCE_SCENARIO") ?? "";
  if (!serverUrl) {
    console.error(`${VERDICT_PREFIX} FAIL: no server URL argument`);
    Deno.exit(2);
  }
  const context = parseContext(Deno.env.get("MCP_CONFORMANCE_CONTEXT"));
  const verdict = await runHarness(serverUrl, scenario, context);
  console.error(`${VERDICT_PREFIX} ${verdict.reason}`);
  Deno.exit(verdict.ok ? 0 : 1);
}
