/**
 * PLACEHOLDER owned by the OAuth helper: the credential provider for the configured server.
 *
 * @module
 */
import type { ProcessIo } from "../cli/context.ts";
import type { Settings } from "../config/settings.ts";
import type { Logger } from "../log.ts";
import { createStaticCredentials } from "../transport/no_credentials.ts";
import type { CredentialProvider } from "../transport/types.ts";

/** Options of {@link createCredentialProvider}. */
export interface CredentialProviderOptions {
  settings: Readonly<Settings>;
  log: Logger;
  fetch: typeof fetch;
  io: ProcessIo;
  /** Whether a browser sign-in may be started. */
  interactive: boolean;
}

/** Creates the provider: static token, OAuth, or none. */
export function createCredentialProvider(options: CredentialProviderOptions): CredentialProvider {
  return createStaticCredentials(options.settings.accessToken);
}
