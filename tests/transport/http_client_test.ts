import assert from "node:assert/strict";
import type { BridgeError } from "../../lib/errors.ts";
import { createHttpFetch } from "../../lib/transport/http_client.ts";

async function hasOpenssl(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("openssl", { args: ["version"], stdout: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

async function createCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const { success, stderr } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return {
    cert: await Deno.readTextFile(`${dir}/cert.pem`),
    key: await Deno.readTextFile(`${dir}/key.pem`),
  };
}

Deno.test({
  name: "http client: a custom CA file makes a self-signed server trusted",
  ignore: !(await hasOpenssl()),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { cert, key } = await createCertificate(dir);
      await using server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, cert, key, onListen: () => {} },
        () => new Response("trusted"),
      );
      const url = `https://127.0.0.1:${server.addr.port}/`;
      const plain = await createHttpFetch();
      await assert.rejects(plain(url));
      const custom = await createHttpFetch({ caFile: `${dir}/cert.pem` });
      try {
        const response = await custom(url);
        assert.equal(await response.text(), "trusted");
      } finally {
        custom.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("http client: an unreadable CA file is a config error", async () => {
  await assert.rejects(
    createHttpFetch({ caFile: "/nonexistent/ca.pem" }),
    (error: BridgeError) =>
      error.kind === "config" && error.message.includes("/nonexistent/ca.pem"),
  );
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(file, "not a certificate");
    await assert.rejects(
      createHttpFetch({ caFile: file }),
      (error: BridgeError) => error.kind === "config" && /no PEM certificate/.test(error.message),
    );
  } finally {
    await Deno.remove(file);
  }
});
