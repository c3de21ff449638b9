import assert from "node:assert/strict";
import { detectPresence, type PresenceFacts } from "../../lib/oauth/presence.ts";

const NONE: PresenceFacts = {
  env: {},
  os: "linux",
  stdinIsTerminal: false,
  stderrIsTerminal: false,
  mode: "cli",
};

/** [name, facts, expected: "present" or the reason nobody is] */
const ROWS: ReadonlyArray<readonly [string, Partial<PresenceFacts>, string]> = [
  ["CLI on a terminal", { stderrIsTerminal: true }, "present"],
  ["CLI with stdin on a terminal", { stdinIsTerminal: true }, "present"],
  ["CLI in a pipeline with no terminal", {}, "no terminal"],
  ["CLI with no terminal but a display", { env: { DISPLAY: ":0" } }, "no terminal"],
  ["CLI with $BROWSER configured", { env: { BROWSER: "firefox" } }, "present"],
  ["CLI with --device-code chosen", { flowChosen: true }, "present"],
  ["CI, even on a terminal", { env: { CI: "true" }, stderrIsTerminal: true }, "CI is set"],
  ["CI wins over $BROWSER", { env: { CI: "1", BROWSER: "x" } }, "CI is set"],
  ["CI=false is not CI", { env: { CI: "false" }, stderrIsTerminal: true }, "present"],
  ["proxy under a desktop host on Linux", { mode: "proxy", env: { DISPLAY: ":0" } }, "present"],
  ["proxy on Wayland", { mode: "proxy", env: { WAYLAND_DISPLAY: "wayland-0" } }, "present"],
  ["proxy on macOS", { mode: "proxy", os: "darwin" }, "present"],
  ["proxy on Windows", { mode: "proxy", os: "windows" }, "present"],
  ["proxy in WSL", { mode: "proxy", env: { WSL_DISTRO_NAME: "Ubuntu" } }, "present"],
  ["proxy in a headless container", { mode: "proxy" }, "no terminal and no display"],
  ["proxy in CI", { mode: "proxy", os: "darwin", env: { CI: "true" } }, "CI is set"],
];

for (const [name, facts, expected] of ROWS) {
  Deno.test(`presence: ${name}`, () => {
    const presence = detectPresence({ ...NONE, ...facts });
    assert.equal(presence.present ? "present" : presence.reason, expected);
  });
}
