/**
 * Reads a process's memory figures from `/proc/<pid>/status` (Linux only), for tests and the
 * benchmark that bound or report the bridge's peak memory.
 *
 * @module
 */

/** The value of `field` (a `kB` figure such as `VmHWM` or `VmRSS`) in bytes. */
export async function readStatusBytes(pid: number, field: string): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!match) throw new Error(`No ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** The process's peak resident set size (`VmHWM`), in bytes. */
export function readPeakRssBytes(pid: number): Promise<number> {
  return readStatusBytes(pid, "VmHWM");
}
