/**
 * A bridge-like process for the two-process test: it creates an OAuth manager for the server
 * and state file given as arguments (non-interactive), calls the server `count` times with its
 * clock moved `gap` ms forward between calls (so its tokens age without waiting), and prints the
 * JSON list of HTTP statuses on stdout. Test code only.
 *
 * @module
 */

import { createTestClock } from "../support/fake_timers.ts";
import { callServer, createManager, type GuardedServer } from "./harness.ts";

const [serverUrl, stateFile, count, gap] = Deno.args;
const clock = createTestClock();
const server = { dir: "", mcp: { url: new URL(serverUrl) }, clock } as unknown as GuardedServer;
const { manager } = await createManager(server, { stateFile, interactive: false });
const statuses: number[] = [];
for (let i = 0; i < Number(count); i++) {
  statuses.push((await callServer(manager, new URL(serverUrl))).status);
  clock.advance(Number(gap));
}
console.log(JSON.stringify(statuses));
