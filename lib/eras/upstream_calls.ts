/**
 * Requests the translation sends to the server under its own ids, awaited as responses. The
 * server's messages all arrive through one handler; {@link UpstreamCalls.take} picks out the
 * responses to these requests so the caller can route everything else. Thin: no protocol rules.
 *
 * @module
 */

import { BridgeError } from "../errors.ts";
import {
  idKey,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../jsonrpc/message.ts";
import type { Transport } from "../transport/types.ts";

/** Requests in flight toward the server, keyed by their (bridge-minted) id. */
export class UpstreamCalls {
  #waiting = new Map<string, (response: JsonRpcResponse) => void>();

  /**
   * Sends `request` and resolves with its response, a JSON-RPC error included; rejects with the
   * transport's BridgeError (or the abort reason) when no response can come.
   */
  async call(
    transport: Transport,
    request: JsonRpcRequest,
    signal?: AbortSignal,
  ): Promise<JsonRpcResponse> {
    const key = idKey(request.id);
    let response: JsonRpcResponse | undefined;
    this.#waiting.set(key, (answer) => response = answer);
    try {
      await transport.send(request, signal === undefined ? {} : { signal });
    } finally {
      this.#waiting.delete(key);
    }
    if (response === undefined) {
      throw new BridgeError("protocol", `Server ended ${request.method} without a response`);
    }
    return response;
  }

  /** Consumes `message` when it answers a call in flight; false for anything else. */
  take(message: JsonRpcMessage): boolean {
    if (!isResponse(message) || message.id === null) return false;
    const settle = this.#waiting.get(idKey(message.id));
    if (settle === undefined) return false;
    settle(message);
    return true;
  }
}
