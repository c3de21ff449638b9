/**
 * The pieces every user of the session builds from resolved settings: the logger, the fetch with
 * the custom CA and cookie jar, and the credential provider (static token, none, or OAuth). One
 * place for the program's modes and the library, so both sign in the same way.
 *
 * @module
 */

import type { Settings } from "./config/settings.ts";
import { createLogger, type Logger } from "./log.ts";
import { createCredentialProvider } from "./oauth/provider.ts";
import type { ProcessIo } from "./process_io.ts";
import { createHttpFetch } from "./transport/http_client.ts";
import type { CredentialProvider } from "./transport/types.ts";

/** What {@link createServices} builds. */
export interface Services {
  log: Logger;
  fetch: typeof fetch;
  credentials: CredentialProvider;
}

/** Options of {@link createServices}. */
export interface ServicesOptions {
  /** Whether a sign-in with the user may be started: someone is present to complete it. */
  interactive: boolean;
  /** Why nobody is present, for the error when a sign-in is needed. */
  absence?: string;
}

/** Builds the logger (on `io.stderr`), the fetch and the credential provider for `settings`. */
export async function createServices(
  settings: Readonly<Settings>,
  io: ProcessIo,
  options: ServicesOptions,
): Promise<Services> {
  const log = createLogger({ level: settings.logLevel, sink: io.stderr });
  const fetch = await createHttpFetch({ caFile: settings.caFile, cookies: settings.cookies });
  const credentials = createCredentialProvider({
    settings,
    log: log.child("auth"),
    fetch,
    io,
    interactive: options.interactive,
    absence: options.absence,
  });
  return { log, fetch, credentials };
}
