/**
 * The stdio MCP client that the conformance suite runs (`conformance client --command …`). It is
 * deliberately small and our own, not the SDK client: it spawns the bridge exactly like the
 * compiled binary runs (see `tests/support/main_process.ts`), speaks newline-delimited JSON-RPC
 * on the bridge's stdin/stdout and drives one scenario in the stdio era chosen by `--driver=2025`
 * (default) or `--driver=2026` (see `drivers.ts`; `plan.ts` decides flags and answers). It
 * answers server requests (elicitation with the schema's defaults, sampling, roots, ping). It
 * never retries: a request that needs a sign-in mid-session must be held by the bridge until the
 * sign-in ends and then answered. It fails when any stdout line of the bridge is not a JSON-RPC
 * message, when a request gets no answer, when an answer is an error (unless the scenario
 * expects the bridge to give up) and when the bridge does not exit cleanly after stdin closes.
 *
 * The runner appends the server URL as the last argument and sets `MCP_CONFORMANCE_SCENARIO`,
 * `MCP_CONFORMANCE_CONTEXT` and `MCP_CONFORMANCE_PROTOCOL_VERSION`. The last stderr line is the
 * verdict the runner reads: `conformance-harness: PASS` or `conformance-harness: FAIL: <reason>`.
 *
 * @module
 */

import { baseEnv, mainArgs } from "../support/main_process.ts";
import { stablePort } from "../support/ports.ts";
import { driveScenario, HarnessFailure, type RpcResponse } from "./drivers.ts";
import { answerInputRequest, type DriverEra, parseContext, planScenario } from "./plan.ts";

/** How long one request may stay unanswered, in ms (sign-in flows included). */
const REQUEST_TIMEOUT_MS = 40_000;
/** How long the bridge may take to exit after stdin closes, in ms. */
const EXIT_TIMEOUT_MS = 10_000;
/** The verdict prefix on the harness's last stderr line. */
export const VERDICT_PREFIX = "conformance-harness:";

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

/** Drives one scenario through the bridge; resolves with the verdict. */
export async function runHarness(
  serverUrl: string,
  scenario: string,
  context: Readonly<Record<string, unknown>>,
  options: { wire?: string; driver?: DriverEra } = {},
): Promise<{ ok: boolean; reason: string }> {
  const plan = planScenario(scenario, context, options);
  // A callback port nobody holds: the stable per-server port is a hash of the scenario's URL,
  // which a bridge signing in during a parallel test may hash to as well.
  const env = baseEnv({
    MCP_SERVER_URL: serverUrl,
    MCP_CLIENT_CALLBACK_PORT: String(stablePort()),
    ...plan.env,
  });
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
    { resolve: (response: RpcResponse) => void; reject: (error: Error) => void }
  >();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  let stdinOpen = true;
  const send = async (message: Record<string, unknown>) => {
    if (!stdinOpen) return;
    await writer.write(encoder.encode(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`));
  };

  const answerServerRequest = async (id: string | number, method: string, params: unknown) => {
    const result = answerInputRequest(method, params, plan);
    if (result) {
      console.error(`harness: ${method} answered with ${JSON.stringify(result)}`);
      await send({ id, result });
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
  const request = (method: string, params: Record<string, unknown>): Promise<RpcResponse> => {
    const id = nextId++;
    return new Promise<RpcResponse>((resolve, reject) => {
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
  let failure: string | undefined;
  try {
    await driveScenario({
      request,
      notify: (method, params) => send({ method, ...(params ? { params } : {}) }),
    }, plan);
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
  const driver = Deno.args.includes("--driver=2026") ? "2026" : "2025";
  const wire = Deno.env.get("MCP_CONFORMANCE_PROTOCOL_VERSION");
  const verdict = await runHarness(serverUrl, scenario, context, { wire, driver });
  console.error(`${VERDICT_PREFIX} ${verdict.reason}`);
  Deno.exit(verdict.ok ? 0 : 1);
}
