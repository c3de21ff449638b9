/**
 * install.sh against a local release mirror on 127.0.0.1 (MCP_SHC_DOWNLOAD_BASE): a good asset is
 * installed and runs; a tampered one, or one SHA256SUMS does not list, is refused and nothing is
 * installed.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createTempDir } from "./support/main_process.ts";

const INSTALL_SH = fileURLToPath(new URL("../install.sh", import.meta.url));
const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
];
const GOOD = '#!/bin/sh\necho "mcp-streamablehttp-client 9.9.9"\n';
const TAMPERED = '#!/bin/sh\necho "mcp-streamablehttp-client 6.6.6 (not what was released)"\n';

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A release mirror: every binary asset serves `body`; SHA256SUMS lists the good build. */
async function startMirror(body: string, listed = TARGETS) {
  const hash = await sha256(GOOD);
  const sums = listed.map((target) =>
    `${hash}  mcp-streamablehttp-client-${target}${target.includes("windows") ? ".exe" : ""}\n`
  ).join("");
  const requested: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    requested.push(path);
    const match = path.match(/^\/releases\/(?:latest\/download|download\/v[^/]+)\/(.+)$/);
    if (match?.[1] === "SHA256SUMS") return new Response(sums);
    if (match?.[1].startsWith("mcp-streamablehttp-client-")) return new Response(body);
    return new Response("not found", { status: 404 });
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}/releases`,
    requested,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function runInstaller(env: Record<string, string>) {
  const home = createTempDir("mcp-shc-install-home-");
  const installDir = `${home}/bin`;
  const output = await new Deno.Command("sh", {
    args: [INSTALL_SH],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: home, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
    home,
    installDir,
  };
}

function listDir(path: string): string[] {
  try {
    return [...Deno.readDirSync(path)].map((entry) => entry.name);
  } catch {
    return [];
  }
}

const posix = Deno.build.os !== "windows";

Deno.test({
  name: "install.sh installs the latest release after checking its SHA-256",
  ignore: !posix,
  async fn() {
    await using mirror = await startMirror(GOOD);
    const probe = await runInstaller({ MCP_SHC_DOWNLOAD_BASE: mirror.base });
    assert.equal(probe.code, 0, probe.stderr);
    const binary = `${probe.home}/.local/bin/mcp-streamablehttp-client`;
    assert.equal(Deno.readTextFileSync(binary), GOOD);
    assert.equal(Deno.statSync(binary).mode! & 0o777, 0o755);
    assert.match(probe.stdout, /Installed mcp-streamablehttp-client 9\.9\.9 at .*\/\.local\/bin\//);
    assert.match(probe.stdout, /is not on your PATH/);
    assert.match(probe.stdout, /--print-config claude-desktop/);
    assert.match(probe.stderr, /Checksum verified/);
    assert.ok(mirror.requested.every((path) => path.startsWith("/releases/latest/download/")));
    assert.ok(mirror.requested.some((path) => path.endsWith("/SHA256SUMS")));
    assert.deepEqual(listDir(`${probe.home}/.local/bin`), ["mcp-streamablehttp-client"]);
  },
});

Deno.test({
  name: "install.sh takes MCP_SHC_VERSION and MCP_SHC_INSTALL_DIR",
  ignore: !posix,
  async fn() {
    await using mirror = await startMirror(GOOD);
    const dir = `${createTempDir("mcp-shc-install-dir-")}/nested/bin`;
    const result = await runInstaller({
      MCP_SHC_DOWNLOAD_BASE: `${mirror.base}/`,
      MCP_SHC_VERSION: "1.2.3",
      MCP_SHC_INSTALL_DIR: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(Deno.readTextFileSync(`${dir}/mcp-streamablehttp-client`), GOOD);
    assert.ok(mirror.requested.length >= 2);
    assert.ok(mirror.requested.every((path) => path.startsWith("/releases/download/v1.2.3/")));
  },
});

Deno.test({
  name: "install.sh refuses a tampered binary and installs nothing",
  ignore: !posix,
  async fn() {
    await using mirror = await startMirror(TAMPERED);
    const result = await runInstaller({ MCP_SHC_DOWNLOAD_BASE: mirror.base });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Checksum mismatch for "mcp-streamablehttp-client-[a-z0-9_-]+"/);
    assert.match(result.stderr, /nothing installed/);
    assert.equal(result.stdout, "");
    assert.deepEqual(listDir(`${result.home}/.local/bin`), []);
  },
});

Deno.test({
  name: "install.sh refuses a binary that SHA256SUMS does not list",
  ignore: !posix,
  async fn() {
    await using mirror = await startMirror(GOOD, []);
    const result = await runInstaller({ MCP_SHC_DOWNLOAD_BASE: mirror.base });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /SHA256SUMS does not list/);
    assert.deepEqual(listDir(`${result.home}/.local/bin`), []);
  },
});

Deno.test({
  name: "install.sh stops when the mirror has no such release",
  ignore: !posix,
  async fn() {
    await using mirror = await startMirror(GOOD);
    const result = await runInstaller({
      MCP_SHC_DOWNLOAD_BASE: `${mirror.base}/missing`,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Cannot download http:\/\/127\.0\.0\.1:\d+\/releases\/missing\//);
    assert.deepEqual(listDir(`${result.home}/.local/bin`), []);
  },
});
