/**
 * Whether a person is present to complete an interactive sign-in (a browser window, a code to
 * enter), decided once from the environment and the process's terminals. Pure: the facts are
 * passed in. A CLI mode needs a terminal, since its user watches stderr and waits for it; proxy
 * mode is started by a desktop host (Claude Desktop) with no terminal but a user at the screen,
 * so a display is enough there. `CI` always means nobody, and `$BROWSER` or `--device-code`
 * always mean somebody chose how to sign in. With nobody present a needed sign-in fails at once (exit 4) instead of
 * registering a client and waiting `--auth-timeout` for nobody.
 *
 * @module
 */

/** The facts {@link detectPresence} decides from. */
export interface PresenceFacts {
  env: Readonly<Record<string, string>>;
  /** `Deno.build.os`. */
  os: string;
  stdinIsTerminal: boolean;
  stderrIsTerminal: boolean;
  /** Proxy mode (started by a host) or a CLI mode (started by a person or a script). */
  mode: "proxy" | "cli";
  /** The user chose an interactive flow on the command line (`--device-code`). */
  flowChosen?: boolean;
}

/** Who is there: somebody, or nobody and why (shown in the error). */
export type Presence = { present: true } | { present: false; reason: string };

/** Whether an environment flag is set to something other than empty, `0` or `false`. */
function isSet(value: string | undefined): boolean {
  return value !== undefined && !/^(|0|false|no)$/i.test(value.trim());
}

/** Decides whether someone can complete an interactive sign-in. */
export function detectPresence(facts: PresenceFacts): Presence {
  const { env } = facts;
  if (isSet(env.CI)) return { present: false, reason: "CI is set" };
  if (env.BROWSER?.trim() || facts.flowChosen) return { present: true };
  if (facts.stdinIsTerminal || facts.stderrIsTerminal) return { present: true };
  if (facts.mode === "cli") return { present: false, reason: "no terminal" };
  const display = facts.os === "darwin" || facts.os === "windows" ||
    Boolean(env.DISPLAY || env.WAYLAND_DISPLAY || env.WSL_DISTRO_NAME);
  return display ? { present: true } : { present: false, reason: "no terminal and no display" };
}
