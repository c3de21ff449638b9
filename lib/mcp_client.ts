/**
 * A small MCP client on top of a transport, for the command-line modes and the OAuth commands:
 * it opens the session (`initialize`, `notifications/initialized`), routes responses by id,
 * enforces the per-request timeout (reset by progress, followed by `notifications/cancelled`),
 * answers the server's pings, declines sampling, elicitation and roots (it has no model and no
 * user to ask), and ends the session on close. It never prints: modes decide what to show.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle
 * @module
 */

import type { Implementation, ServerCapabilities } from "@modelcontextprotocol/sdk/types.js";
import {
  LATEST_PROTOCOL_VERSION,
  PROGRAM_NAME,
  PROGRAM_VERSION,
  SHUTDOWN_DELETE_TIMEOUT_MS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "./constants.ts";
import type {
  Exchange,
  McpClient,
  McpClientContext,
  McpSession,
  OpenClientOptions,
  ProgressInfo,
  RequestOptions,
  ServerProtocol,
} from "./mcp_client_types.ts";
import { withDeadline } from "./async.ts";
import { BridgeError, JsonRpcCode, toBridgeError } from "./errors.ts";
import {
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "./jsonrpc/message.ts";
import { PendingRequests } from "./jsonrpc/pending_requests.ts";
import { connectServer } from "./eras/select.ts";
import { MODERN_PROTOCOL_VERSION } from "./eras/wire.ts";
import { eraOptions } from "./transport/era_memory.ts";
import type { MessageOrigin } from "./transport/types.ts";

/** What the client attaches to each pending request. */
interface Waiter {
  resolve(exchange: Exchange): void;
  reject(error: BridgeError): void;
  onProgress?(progress: ProgressInfo): void;
}

const DECLINED_METHODS: Record<string, string> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Turns a JSON-RPC error response into the `server_error` BridgeError the modes report. */
export function createServerError(method: string, response: JsonRpcResponse): BridgeError {
  const error = "error" in response ? response.error : { code: 0, message: "unknown error" };
  return new BridgeError(
    "server_error",
    `Server answered "${method}" with error ${error.code}: ${error.message}`,
    { details: { code: error.code, ...(error.data === undefined ? {} : { data: error.data }) } },
  );
}

/** Opens a transport to the configured server without initializing it. */
export function openSession(
  context: McpClientContext,
  options: OpenClientOptions = {},
): Promise<McpSession> {
  const log = context.log.child("client");
  const interrupt = context.io.signal;
  let counter = 0;
  let closed = false;

  // Answers and cancellations sent in the background; close() lets them finish first.
  const background = new Set<Promise<void>>();
  const track = (promise: Promise<void>, what: string) => {
    const tracked = promise.catch((error) => {
      log.debug(`Cannot send ${what}: ${toBridgeError(error).message}`);
    });
    background.add(tracked);
    tracked.finally(() => background.delete(tracked));
  };

  const cancel = (id: JsonRpcId, method: string, reason: string) => {
    if (method === "initialize") return; // initialize must not be cancelled (lifecycle spec)
    track(
      transport.send({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id, reason },
      }),
      "the cancellation",
    );
  };

  const pending = new PendingRequests<Waiter>({
    ...(context.timers ? { timers: context.timers } : {}),
    onTimeout(request) {
      const error = new BridgeError(
        "timeout",
        `Request "${request.method}" timed out after ${request.timeoutMs / 1000} s`,
      );
      request.controller.abort(error);
      cancel(request.id, request.method, "Request timed out");
      request.data?.reject(error);
    },
  });

  const interruptedError = (method: string) =>
    new BridgeError("interrupted", `Request "${method}" was interrupted`, {
      hint: "The program was interrupted before the server answered",
    });
  const onInterrupt = () => {
    for (const request of pending.abortAll(interrupt.reason)) {
      const error = interruptedError(request.method);
      cancel(request.id, request.method, "Interrupted");
      request.data?.reject(error);
    }
  };
  interrupt.addEventListener("abort", onInterrupt, { once: true });

  const respond = (message: JsonRpcResponse) => {
    track(transport.send(message), "the answer to the server");
  };

  const onServerRequest = (request: JsonRpcRequest, origin?: MessageOrigin) => {
    if (request.method === "ping") {
      respond({ jsonrpc: "2.0", id: request.id, result: {} });
      return;
    }
    if (request.method === "elicitation/create" && options.onElicit) {
      // A question on the terminal takes as long as the person needs: the request whose stream
      // carried it (every request, when the transport cannot tell) waits without its timer.
      const owners = origin ? [origin.requestId] : pending.list().map((entry) => entry.id);
      for (const id of owners) pending.waitOnClient(id, true);
      options.onElicit(request.params ?? {}).finally(() => {
        for (const id of owners) pending.waitOnClient(id, false);
      }).then(
        (result) => respond({ jsonrpc: "2.0", id: request.id, result }),
        (error) => {
          const failure = toBridgeError(error);
          const message = `${failure.message} (${failure.hint})`;
          respond({
            jsonrpc: "2.0",
            id: request.id,
            error: { code: JsonRpcCode.internalError, message },
          });
        },
      );
      return;
    }
    const feature = DECLINED_METHODS[request.method];
    log.debug(`Declining the server's "${request.method}" request`);
    respond({
      jsonrpc: "2.0",
      id: request.id,
      error: {
        code: JsonRpcCode.methodNotFound,
        message: feature
          ? `${PROGRAM_NAME} does not support ${feature} in command-line modes`
          : `Method not found: ${request.method}`,
      },
    });
  };

  const onNotification = (notification: JsonRpcNotification) => {
    if (notification.method === "notifications/progress" && isRecord(notification.params)) {
      const owner = pending.touchProgress(notification.params.progressToken);
      const { progress, total, message } = notification.params;
      if (owner && typeof progress === "number") {
        owner.data?.onProgress?.({
          progress,
          ...(typeof total === "number" ? { total } : {}),
          ...(typeof message === "string" ? { message } : {}),
        });
      }
    } else if (notification.method === "notifications/message" && isRecord(notification.params)) {
      const { level, logger, data } = notification.params;
      const text = typeof data === "string" ? data : JSON.stringify(data);
      log.info(`server ${String(level ?? "log")}${logger ? ` ${String(logger)}` : ""}: ${text}`);
    }
    options.onNotification?.(notification);
  };

  const onMessage = (message: JsonRpcMessage, raw?: string, origin?: MessageOrigin) => {
    if (isResponse(message)) {
      if (message.id === null) {
        const text = "error" in message ? message.error.message : "no message";
        log.warn(`Server sent an error without an id: ${text}`);
        return;
      }
      const owner = pending.take(message.id);
      if (!owner) {
        log.debug(`Ignoring a response to an unknown request id: ${String(message.id)}`);
        return;
      }
      owner.data?.resolve({ response: message, ...(raw === undefined ? {} : { raw }) });
    } else if (isRequest(message)) {
      onServerRequest(message, origin);
    } else if (isNotification(message)) {
      onNotification(message);
    }
  };

  // Nothing is sent (so nothing arrives) before the first send, after this assignment.
  const transport = connectServer({
    choice: context.settings.transport,
    url: context.settings.serverUrl,
    headers: context.settings.headers,
    credentials: context.credentials,
    onMessage,
    fetch: context.fetch,
    log: context.log.child("transport"),
    ...eraOptions(context.settings, { readOnly: true }),
    // List changes would reach only a caller that takes notifications.
    listen: options.onNotification !== undefined,
  });

  const exchange = (request: JsonRpcRequest, requestOptions: RequestOptions = {}) => {
    if (closed) {
      return Promise.reject(new BridgeError("internal", "The session is already closed"));
    }
    if (interrupt.aborted) return Promise.reject(interruptedError(request.method));
    let message = request;
    if (requestOptions.onProgress) {
      const params = message.params ?? {};
      const meta = isRecord(params._meta) ? params._meta : {};
      const token = (meta.progressToken as JsonRpcId | undefined) ?? request.id;
      message = { ...message, params: { ...params, _meta: { ...meta, progressToken: token } } };
    }
    return new Promise<Exchange>((resolve, reject) => {
      const entry = pending.add(message, requestOptions.timeoutMs ?? context.settings.timeoutMs, {
        resolve,
        reject,
        ...(requestOptions.onProgress ? { onProgress: requestOptions.onProgress } : {}),
      });
      transport.send(message, {
        signal: entry.controller.signal,
        // A question on the terminal takes as long as the person needs.
        onWaitingForClient: (waiting) => pending.waitOnClient(request.id, waiting),
      }).then(
        () => {
          if (pending.take(request.id)) {
            reject(
              new BridgeError(
                "protocol",
                `Server finished "${request.method}" without answering it`,
              ),
            );
          }
        },
        (error) => {
          if (pending.take(request.id)) reject(toBridgeError(error));
        },
      );
    });
  };

  const session: McpSession = {
    get protocolVersion() {
      return transport.protocolVersion;
    },
    get serverProtocol(): ServerProtocol | undefined {
      if (transport.pairing === "legacy-client-to-modern-server") {
        return { era: "modern", version: MODERN_PROTOCOL_VERSION };
      }
      const version = transport.protocolVersion;
      return version === undefined ? undefined : { era: "legacy", version };
    },
    exchange,
    async request<T>(
      method: string,
      params?: Record<string, unknown>,
      requestOptions?: RequestOptions,
    ): Promise<T> {
      const request: JsonRpcRequest = {
        jsonrpc: "2.0",
        id: ++counter,
        method,
        ...(params === undefined ? {} : { params }),
      };
      const { response } = await exchange(request, requestOptions);
      if ("error" in response) throw createServerError(method, response);
      return response.result as T;
    },
    async notify(method: string, params?: Record<string, unknown>): Promise<void> {
      await transport.send({
        jsonrpc: "2.0",
        method,
        ...(params === undefined ? {} : { params }),
      });
    },
    nextId: () => ++counter,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      interrupt.removeEventListener("abort", onInterrupt);
      const reason = new DOMException("Session closed", "AbortError");
      for (const request of pending.abortAll(reason)) {
        request.data?.reject(
          new BridgeError("internal", `Session closed during "${request.method}"`),
        );
      }
      if (background.size > 0) {
        await withDeadline(Promise.allSettled([...background]), { ms: SHUTDOWN_DELETE_TIMEOUT_MS })
          .catch(() => {});
      }
      try {
        await transport.close();
      } catch (error) {
        log.debug(`Cannot end the session cleanly: ${toBridgeError(error).message}`);
      }
    },
    [Symbol.asyncDispose]() {
      return session.close();
    },
  };
  return Promise.resolve(session);
}

/** The parts of an `initialize` result the client keeps. */
interface InitializeResultShape {
  protocolVersion?: unknown;
  serverInfo?: unknown;
  capabilities?: unknown;
  instructions?: unknown;
}

/**
 * Opens an initialized session with the configured server: transport, `initialize` with the
 * newest protocol version, then `notifications/initialized`. Close it (or `await using`) to end
 * the session.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/lifecycle#initialization
 */
export async function openClient(
  context: McpClientContext,
  options: OpenClientOptions = {},
): Promise<McpClient> {
  const session = await openSession(context, options);
  try {
    const result = await session.request<InitializeResultShape>("initialize", {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {
        ...(options.onElicit ? { elicitation: { form: {}, url: {} } } : {}),
        ...options.capabilities,
      },
      clientInfo: options.clientInfo ?? { name: PROGRAM_NAME, version: PROGRAM_VERSION },
    });
    if (typeof result.protocolVersion !== "string" || !isRecord(result.serverInfo)) {
      throw new BridgeError("protocol", "Server sent an invalid initialize result");
    }
    if (!(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(result.protocolVersion)) {
      throw new BridgeError(
        "protocol",
        `Server chose an unsupported protocol version: "${result.protocolVersion}"`,
        { hint: `Supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}` },
      );
    }
    await session.notify("notifications/initialized");
    const protocolVersion = result.protocolVersion;
    const serverInfo = result.serverInfo as unknown as Implementation;
    const capabilities =
      (isRecord(result.capabilities) ? result.capabilities : {}) as ServerCapabilities;
    const instructions = typeof result.instructions === "string" ? result.instructions : undefined;
    return {
      get serverProtocol() {
        return session.serverProtocol ?? { era: "legacy" as const, version: protocolVersion };
      },
      exchange: session.exchange,
      request: session.request,
      notify: session.notify,
      nextId: session.nextId,
      close: session.close,
      [Symbol.asyncDispose]: session[Symbol.asyncDispose],
      serverInfo,
      protocolVersion,
      capabilities,
      ...(instructions === undefined ? {} : { instructions }),
    };
  } catch (error) {
    await session.close();
    throw error;
  }
}
