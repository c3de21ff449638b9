/**
 * Memory and CPU of a process tree from `/proc` (Linux only): the process and every descendant,
 * so a program that spawns helpers is charged for them. Bench code only.
 *
 * @module
 */

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
      const field = (name: string) =>
        Number(status.match(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m"))?.[1] ?? 0);
      usage.peakKiB += field("VmHWM");
      usage.rssKiB += field("VmRSS");
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
