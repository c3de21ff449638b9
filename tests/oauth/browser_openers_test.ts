import assert from "node:assert/strict";
import { createLogger } from "../../lib/log.ts";
import { openBrowser } from "../../lib/oauth/browser.ts";

/** A PATH holding only a fake `name` that writes its arguments to `<dir>/opened`. */
async function fakeOpener(name: string): Promise<{ dir: string; opened: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mcp-shc-opener-" });
  const opened = `${dir}/opened`;
  await Deno.writeTextFile(`${dir}/${name}`, `#!/bin/sh\nprintf '%s\\n' "$*" > '${opened}'\n`);
  await Deno.chmod(`${dir}/${name}`, 0o755);
  return { dir, opened };
}

for (const name of ["gio", "sensible-browser", "x-www-browser", "wslview"]) {
  Deno.test(`without xdg-open the browser is opened with ${name}`, {
    ignore: Deno.build.os === "windows",
  }, async () => {
    const fake = await fakeOpener(name);
    const lines: string[] = [];
    const url = new URL("https://as.example/authorize?x=1");
    const browser = openBrowser(url, {
      env: { PATH: fake.dir },
      log: createLogger({ level: "DEBUG", sink: (line) => lines.push(line) }),
      os: "linux",
    });
    assert.ok(browser, lines.join("\n"));
    // settle() returns once the opener exited, so its output is complete.
    await browser.settle(60_000);
    const expected = name === "gio" ? `open ${url.href}` : url.href;
    assert.equal((await Deno.readTextFile(fake.opened)).trim(), expected);
    assert.ok(lines.some((line) => line.includes('Cannot start "xdg-open"')));
    await Deno.remove(fake.dir, { recursive: true });
  });
}

Deno.test("with no opener at all the bridge says so and leaves the URL to the user", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp-shc-opener-" });
  const lines: string[] = [];
  const browser = openBrowser(new URL("https://as.example/authorize"), {
    env: { PATH: dir },
    log: createLogger({ level: "WARNING", sink: (line) => lines.push(line) }),
    os: "linux",
  });
  assert.equal(browser, undefined);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /Cannot open a browser: none of "xdg-open", "gio", "sensible-browser", "x-www-browser", "wslview" could be started/,
  );
  await Deno.remove(dir, { recursive: true });
});
