/**
 * A bridge-like process for the two-process test: it creates an OAuth manager for the server
 * and state file given as arguments (non-interactive), calls the server `count` times `gap` ms
 * apart, and prints the JSON list of HTTP statuses on stdout. Test code only.
 *
 * @module
 */

import { callServer, createManager, type GuardedServer } from "./harness.ts";

const [serverUrl, stateFile, count, gap] = Deno.args;
const server = { dir: "", mcp: { url: new URL(serverUrl) } } as unknown as GuardedServer;
const { manager } = await createManager(server, { stateFile, interactive: false });
const statuses: number[] = [];
for (let i = 0; i < Number(count); i++) {
  statuses.push((await callServer(manager, new URL(serverUrl))).status);
  await new Promise((resolve) => setTimeout(resolve, Number(gap)));
}
console.log(JSON.stringify(statuses));
