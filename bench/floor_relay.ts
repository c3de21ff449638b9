/**
 * The floor of the benchmark: the barest stdio ⇄ Streamable HTTP relay Deno can run. Each stdin
 * line is POSTed as it is, without waiting for earlier ones; the answer (a JSON body, or the
 * `data:` lines of an SSE body) goes to stdout, one line per message. It keeps the session id and
 * validates nothing. Not part of the program: the bench runs it beside the bridge so every figure
 * can be read as a ratio to what any Deno relay must pay.
 *
 * With `--modern` it relays a 2026-07-28 client: each POST also carries the headers that era
 * requires, `MCP-Protocol-Version` (from the body's `_meta`), `Mcp-Method` and `Mcp-Name`, which
 * is the least a relay must parse each line for.
 *
 * With `--stream-sse` (and deno.json, for the package) it reads an SSE body as a stream through
 * `eventsource-parser` and writes each event once it is complete, as a relay must to pass on a
 * server's requests and progress before the answer: the floor of that work alone.
 *
 * Usage: deno run --allow-net bench/floor_relay.ts URL [--modern] [--stream-sse]
 *
 * @module
 */

const url = Deno.args[0];
const modern = Deno.args.includes("--modern");
// Named through a variable: without --stream-sse, deno does not even resolve the module.
const streamingReader = "./floor_sse_stream.ts";
const { streamSseData } = Deno.args.includes("--stream-sse") ? await import(streamingReader) : {};
const encoder = new TextEncoder();
let sessionId: string | undefined;
let writing = Promise.resolve();

function write(text: string): void {
  const bytes = encoder.encode(text);
  writing = writing.then(async () => {
    for (let at = 0; at < bytes.length;) at += await Deno.stdout.write(bytes.subarray(at));
  });
}

async function relay(line: string): Promise<void> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  if (sessionId) headers["mcp-session-id"] = sessionId;
  if (modern) {
    const message = JSON.parse(line);
    const params = message.params ?? {};
    const version = params._meta?.["io.modelcontextprotocol/protocolVersion"];
    if (typeof version === "string") headers["mcp-protocol-version"] = version;
    headers["mcp-method"] = message.method;
    const name = params.name ?? params.uri;
    if (typeof name === "string") headers["mcp-name"] = name;
  }
  const response = await fetch(url, { method: "POST", headers, body: line });
  sessionId = response.headers.get("mcp-session-id") ?? sessionId;
  const sse = response.headers.get("content-type")?.startsWith("text/event-stream");
  if (sse && streamSseData && response.body) {
    return await streamSseData(response.body, (data: string) => write(data + "\n"));
  }
  const text = await response.text();
  if (!text) return;
  if (!sse) {
    write(text + "\n");
    return;
  }
  let out = "";
  for (const field of text.split("\n")) {
    if (field.startsWith("data:")) out += field.slice(field[5] === " " ? 6 : 5) + "\n";
  }
  if (out) write(out);
}

const pending = new Set<Promise<void>>();
let buffered = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    if (!line.trim()) continue;
    // A 2025 session's id arrives with the first answer: hold later lines until it is known.
    // A 2026-07-28 client has no session, so nothing waits.
    const work = modern || sessionId || pending.size === 0
      ? relay(line)
      : Promise.all(pending).then(() => relay(line));
    pending.add(work);
    work.catch((error) => console.error(`floor relay: ${error}`)).finally(() =>
      pending.delete(work)
    );
  }
}
await Promise.allSettled(pending);
await writing;
