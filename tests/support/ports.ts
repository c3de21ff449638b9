/**
 * Ports that stay as a test left them. A port the system chose (port 0) is an ephemeral one: once
 * closed, the system may hand it to any other socket on the machine (a parallel test's server, or
 * the local end of an outgoing connection), so listening on it again fails at random, and a
 * "closed" port may be answered by someone else. Ports below every system's ephemeral range
 * (Linux 32768–60999, macOS and Windows 49152–65535) are never handed out that way. The range
 * also stays below the one the bridge takes its per-server sign-in callback port from
 * (`CALLBACK_PORT_BASE`, 20000 on), so a test's server never holds a port that a bridge signing in
 * during a parallel test wants for its callback.
 *
 * @module
 */

import { CALLBACK_PORT_BASE } from "../../lib/constants.ts";

/** The range the port is drawn from: below the ephemeral ranges and the callback ports. */
const FIRST_PORT = 10_000;
const LAST_PORT = CALLBACK_PORT_BASE - 1;

/** How many random ports are tried before giving up (each try is one bind). */
const ATTEMPTS = 100;

/**
 * A free port on 127.0.0.1 outside the ephemeral range: nobody listens on it until the test does,
 * and it stays free between a server's stop and its restart on the same port.
 */
export function stablePort(): number {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * (LAST_PORT - FIRST_PORT + 1));
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
  }
  throw new Error(`No free port in ${FIRST_PORT}–${LAST_PORT} after ${ATTEMPTS} tries`);
}
