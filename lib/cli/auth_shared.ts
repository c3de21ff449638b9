/**
 * What the authentication commands share: the state store, the credentials as an OAuth manager,
 * and their output (human lines, the one `--json` document, failures).
 *
 * @module
 */
import { type EnvStore, openEnvStore } from "../config/env_store.ts";
import type { BridgeError } from "../errors.ts";
import { isOAuthManager, type OAuthManager } from "../oauth/provider.ts";
import type { CredentialProvider } from "../transport/types.ts";
import type { ModeContext } from "./context.ts";
import { createPaint, type Style } from "./auth_format.ts";
import { createOutput, type Output } from "./output.ts";

/** The credentials as an OAuth manager, when they are one. */
export function asOAuthManager(credentials: CredentialProvider): OAuthManager | undefined {
  return isOAuthManager(credentials) ? credentials : undefined;
}

/** The store of the server's state: the manager's own (so its lock is reentrant), else a new one. */
export function stateStore(context: ModeContext): EnvStore {
  return asOAuthManager(context.credentials)?.store ?? openEnvStore(context.settings.stateFile);
}

/** The output of the run. */
export function outputOf(context: ModeContext): Output {
  return createOutput(context.io, { json: context.settings.json });
}

/** Human lines on stdout (nothing with `--json`). */
export function say(context: ModeContext, ...lines: string[]): Promise<void> {
  return outputOf(context).say(...lines);
}

/** The success document (only with `--json`). */
export function printResult(context: ModeContext, result: unknown): Promise<void> {
  return outputOf(context).result(result);
}

/** Reports a failure with the result known so far; returns the exit code. */
export function reportFailure(
  context: ModeContext,
  error: BridgeError,
  result: unknown,
): Promise<number> {
  return outputOf(context).fail(error, result);
}

/** Colors `text` when colors are on. */
export function paint(context: ModeContext, style: Style, text: string): string {
  return createPaint(context.color)(style, text);
}
