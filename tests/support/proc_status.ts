/**
 * Memory and CPU figures of processes from `/proc` (Linux only), for tests and the benchmark that
 * bound or report the bridge's peak memory: one field of a process's `status`, and the usage of a
 * process tree (the process and every descendant, so a program that spawns helpers is charged
 * for them).
 *
 * @module
 */

/** The value of a `kB` field (such as `VmHWM` or `VmRSS`) in a `/proc/<pid>/status` text, in KiB. */
function statusKiB(status: string, field: string): number | undefined {
  const match = status.match(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m"));
  return match ? Number(match[1]) : undefined;
}

/** The value of `field` (a `kB` figure such as `VmHWM` or `VmRSS`) in bytes. */
export async function readStatusBytes(pid: number, field: string): Promise<number> {
  const kiB = statusKiB(await Deno.readTextFile(`/proc/${pid}/status`), field);
  if (kiB === undefined) throw new Error(`No ${field} in /proc/${pid}/status`);
  return kiB * 1024;
}

/** The process's peak resident set size (`VmHWM`), in bytes. */
export function readPeakRssBytes(pid: number): Promise<number> {
  return readStatusBytes(pid, "VmHWM");
}

/** Resident memory and CPU time of a process tree. */
export interface TreeUsage {
  /** Sum of the peak resident sets (`VmHWM`) of the tree's processes, in KiB. */
  peakKiB: number;
  /** Sum of the current resident sets (`VmRSS`), in KiB. */
  rssKiB: number;
  /** User plus system CPU time of the tree so far, in ms. */
  cpuMs: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      const out = new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" }).outputSync();
      ticksPerSecond = Number(new TextDecoder().decode(out.stdout).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function descendants(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) {
    try {
      for (const task of Deno.readDirSync(`/proc/${found[i]}/task`)) {
        const text = Deno.readTextFileSync(`/proc/${found[i]}/task/${task.name}/children`);
        for (const child of text.trim().split(/\s+/)) if (child) found.push(Number(child));
      }
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Usage of `pid` and its descendants; undefined off Linux or when the process is gone. */
export function readTreeUsage(pid: number): TreeUsage | undefined {
  if (Deno.build.os !== "linux") return undefined;
  const usage: TreeUsage = { peakKiB: 0, rssKiB: 0, cpuMs: 0 };
  let seen = 0;
  for (const each of descendants(pid)) {
    try {
      const status = Deno.readTextFileSync(`/proc/${each}/status`);
      usage.peakKiB += statusKiB(status, "VmHWM") ?? 0;
      usage.rssKiB += statusKiB(status, "VmRSS") ?? 0;
      // Fields after the parenthesized command: utime and stime are the 12th and 13th.
      const stat = Deno.readTextFileSync(`/proc/${each}/stat`);
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      usage.cpuMs += (Number(rest[11]) + Number(rest[12])) * 1000 / clockTicks();
      seen++;
    } catch {
      // gone meanwhile
    }
  }
  return seen > 0 ? usage : undefined;
}
