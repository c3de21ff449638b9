/**
 * Which protocol era a server speaks, found once per server and remembered: a 2026-07-28
 * request first (`server/discover`); a result, or a new-style error (-32020/-32021/-32022) in a
 * 400 body, means modern; 401/403 are no evidence (the credentials are renewed and the probe
 * sent again); anything else means legacy, where `initialize` decides and HTTP+SSE is tried
 * only after that. The verdict is kept with its date in the server's state file so later starts
 * skip the probe, and dropped when the remembered era stops working.
 *
 * @module
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#backward-compatibility
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#backwards-compatibility
 */

import type { ProtocolChoice } from "../config/settings.ts";
import { PROGRAM_NAME, PROGRAM_VERSION } from "../constants.ts";
import { BridgeError } from "../errors.ts";
import {
  createBridgeId,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../jsonrpc/message.ts";
import { refusedPostHint } from "./endpoint_hint.ts";
import { MODERN_ERROR_CODES } from "./endpoint.ts";
import { META_PROTOCOL_VERSION } from "./modern_headers.ts";
import {
  createStatelessTransport,
  MODERN_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSIONS,
} from "./stateless.ts";
import type { TransportOptions } from "./types.ts";

/**
 * Thrown when `initialize` is answered 400, 404 or 405 with no 2026-07-28 error in the body:
 * the server may speak the 2024-11-05 HTTP+SSE transport. `createTransport` falls back on it in
 * auto mode.
 */
export class LegacyTransportSignal extends BridgeError {
  constructor(status: number, url: URL) {
    super("http_error", `Server refused the Streamable HTTP initialize request: HTTP ${status}`, {
      status,
      hint: refusedPostHint(url, status),
    });
    this.name = "LegacyTransportSignal";
  }
}

/**
 * The era a server speaks: `modern` = 2026-07-28 only, `dual` = 2026-07-28 and the
 * `initialize` handshake, `legacy` = 2025-11-25 or older only.
 */
export type ServerEra = "modern" | "dual" | "legacy";

/** The state-file key of the remembered era (`<era> <ISO date>`). */
export const ERA_STATE_KEY = "MCP_CLIENT_SERVER_ERA";

/** How long a remembered era is trusted before the server is probed again, in ms. */
export const ERA_MEMORY_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/** A remembered verdict. */
export interface RememberedEra {
  era: ServerEra;
  /** When the probe found it. */
  checkedAt: Date;
}

/** Where the verdict is kept between runs (the server's state file). */
export interface EraMemory {
  read(): Promise<string | undefined>;
  /** Writes the value; undefined deletes it. */
  write(value: string | undefined): Promise<void>;
}

/** Formats a verdict for the state file. */
export function formatRememberedEra(remembered: RememberedEra): string {
  return `${remembered.era} ${remembered.checkedAt.toISOString()}`;
}

/** Reads a verdict from the state file; undefined for anything malformed. */
export function parseRememberedEra(value: string | undefined): RememberedEra | undefined {
  const match = value?.trim().match(/^(modern|dual|legacy) (\S+)$/);
  if (!match) return undefined;
  const checkedAt = new Date(match[2]);
  if (Number.isNaN(checkedAt.getTime())) return undefined;
  return { era: match[1] as ServerEra, checkedAt };
}

/** What the answer to the probe says. */
export type ProbeVerdict = ServerEra | { retryWith: string };

/**
 * Judges the answer to the `server/discover` probe (sent at `sentVersion`): a result listing a
 * modern version is modern (dual when it also lists a legacy one); a new-style error is modern, except -32022 whose
 * `data.supported` names a modern version to retry with, or no modern version at all (legacy);
 * any other error is legacy. Pure.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#protocol-version-negotiation
 */
export function judgeProbe(response: JsonRpcResponse, sentVersion: string): ProbeVerdict {
  if ("result" in response) {
    // A DiscoverResult must list a modern version: servers that answer any method with an
    // empty success (some 2025-era test servers do) are not modern.
    const listed = response.result.supportedVersions;
    const versions = Array.isArray(listed) ? listed.filter((v) => typeof v === "string") : [];
    if (!versions.some((v) => v >= MODERN_PROTOCOL_VERSION)) return "legacy";
    return versions.some((v) => v < MODERN_PROTOCOL_VERSION) ? "dual" : "modern";
  }
  const { code, data } = response.error;
  if (!MODERN_ERROR_CODES.has(code)) return "legacy";
  if (code !== -32022) return "modern";
  const supported = (data as { supported?: unknown } | undefined)?.supported;
  if (!Array.isArray(supported)) return "modern";
  const usable = MODERN_PROTOCOL_VERSIONS.find((v) => supported.includes(v));
  if (usable !== undefined) return usable === sentVersion ? "modern" : { retryWith: usable };
  return supported.some((v) => typeof v === "string" && v >= MODERN_PROTOCOL_VERSION)
    ? "modern"
    : "legacy";
}

/** Options of {@link createEraDetector}. */
export interface EraDetectorOptions extends Omit<TransportOptions, "onMessage"> {
  protocol: ProtocolChoice;
  /** Where the verdict is kept; without it every start probes. */
  memory?: EraMemory;
  /** The clock; `Date.now` by default. */
  now?: () => number;
}

/** Finds (and remembers) the era of one server. */
export interface EraDetector {
  /** The server's era: pinned, remembered, or probed now (once per detector). */
  detect(): Promise<ServerEra>;
  /** Whether the last verdict came from the state file (neither pinned nor probed just now). */
  readonly remembered: boolean;
  /**
   * The result of this run's `server/discover` probe when it found a modern or dual server, taken
   * once: the translation for a 2025 client answers its `initialize` from it instead of asking
   * again. Undefined when the era was pinned, remembered, or is legacy.
   */
  takeDiscoverResult(): Record<string, unknown> | undefined;
  /**
   * Says the era in use stopped working (a legacy-looking refusal from a server believed
   * modern, or a new-style error from one believed legacy): the remembered verdict is dropped,
   * and the next {@link EraDetector.detect} probes again, whatever the state file says.
   */
  invalidate(): Promise<void>;
}

/** What the probe found: the era, and the `server/discover` result that said it is modern. */
export interface ProbeOutcome {
  era: ServerEra;
  /** The server's `DiscoverResult`, when it answered the probe with one. */
  discoverResult?: Record<string, unknown>;
}

/** Sends the `server/discover` probe and judges the answer (one retry at a `supported` version). */
export async function probeServerEra(
  options: Omit<EraDetectorOptions, "protocol" | "memory">,
): Promise<ProbeOutcome> {
  let version = MODERN_PROTOCOL_VERSION;
  for (let attempt = 0; attempt < 2; attempt++) {
    const request: JsonRpcRequest = {
      jsonrpc: "2.0",
      id: createBridgeId("discover"),
      method: "server/discover",
      params: {
        _meta: {
          [META_PROTOCOL_VERSION]: version,
          "io.modelcontextprotocol/clientCapabilities": {},
          "io.modelcontextprotocol/clientInfo": { name: PROGRAM_NAME, version: PROGRAM_VERSION },
        },
      },
    };
    let answer: JsonRpcResponse | undefined;
    const probe = createStatelessTransport({
      ...options,
      onMessage: (message: JsonRpcMessage) => {
        if (isResponse(message) && message.id === request.id) answer = message;
      },
    });
    try {
      await probe.send(request);
    } catch (error) {
      // Not a JSON-RPC answer (405, 404 without a body, a broken stream): an older server.
      const evidence = error instanceof BridgeError && error.status !== 403 &&
        ["http_error", "protocol"].includes(error.kind);
      if (!evidence) throw error;
      options.log.debug(`server/discover probe: ${error.message}`);
      return { era: "legacy" };
    } finally {
      await probe.close();
    }
    if (answer === undefined) return { era: "legacy" };
    const verdict = judgeProbe(answer, version);
    if (typeof verdict === "string") {
      return verdict !== "legacy" && "result" in answer
        ? { era: verdict, discoverResult: answer.result }
        : { era: verdict };
    }
    version = verdict.retryWith;
  }
  return { era: "modern" };
}

/** Creates the era detector of one server. */
export function createEraDetector(options: EraDetectorOptions): EraDetector {
  const now = options.now ?? Date.now;
  let found: Promise<ServerEra> | undefined;
  let fromMemory = false;
  let discoverResult: Record<string, unknown> | undefined;
  // After a refusal the state file is not asked again (a read-only one still holds the verdict).
  let memoryRefuted = false;
  const detect = async (): Promise<ServerEra> => {
    fromMemory = false;
    if (options.protocol === MODERN_PROTOCOL_VERSION) return "modern";
    if (options.protocol !== "auto") return "legacy";
    const remembered = memoryRefuted
      ? undefined
      : parseRememberedEra(await options.memory?.read().catch(() => undefined));
    if (remembered && now() - remembered.checkedAt.getTime() < ERA_MEMORY_MAX_AGE_MS) {
      options.log.debug(`Server era remembered: ${remembered.era}`);
      fromMemory = true;
      return remembered.era;
    }
    const probed = await probeServerEra(options);
    const era = probed.era;
    discoverResult = probed.discoverResult;
    options.log.info(`Server speaks the ${era === "legacy" ? "2025" : "2026-07-28"} era (${era})`);
    await options.memory?.write(formatRememberedEra({ era, checkedAt: new Date(now()) }))
      .catch((error) => options.log.debug(`Cannot remember the server's era: ${String(error)}`));
    return era;
  };
  return {
    detect() {
      found ??= detect();
      found.catch(() => found = undefined); // a failed probe decides nothing
      return found;
    },
    get remembered() {
      return fromMemory;
    },
    takeDiscoverResult() {
      const result = discoverResult;
      discoverResult = undefined;
      return result;
    },
    async invalidate() {
      found = undefined;
      fromMemory = false;
      discoverResult = undefined;
      memoryRefuted = true;
      await options.memory?.write(undefined).catch(() => {});
    },
  };
}

/**
 * Whether the way the first exchange under an assumed era ended says the server does not speak
 * it: an HTTP refusal (400, 404 or 405 without a JSON-RPC answer, the HTTP+SSE fallback's
 * included); under the legacy era a 2026-07-28 error (-32020/-32021/-32022) answering it; under
 * the modern era any other JSON-RPC error answering it (what the probe takes for legacy, see
 * {@link judgeProbe}: a modern server that merely refused the request is found modern again,
 * and the request is sent once more). Later exchanges say nothing about the era. Pure.
 *
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/versioning#backward-compatibility
 */
export function refusesEra(
  ending: { error: unknown } | { response: JsonRpcResponse },
  assumed: "modern" | "legacy",
): boolean {
  if ("response" in ending) {
    const { response } = ending;
    if (!("error" in response)) return false;
    return MODERN_ERROR_CODES.has(response.error.code) === (assumed === "legacy");
  }
  const { error } = ending;
  return error instanceof BridgeError && error.kind === "http_error" &&
    error.status !== undefined && [400, 404, 405].includes(error.status);
}
