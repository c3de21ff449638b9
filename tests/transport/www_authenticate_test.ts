import assert from "node:assert/strict";
import { findChallenge, parseWwwAuthenticate } from "../../lib/transport/www_authenticate.ts";

Deno.test("www-authenticate: Bearer with quoted and token params, names lower-cased", () => {
  assert.deepEqual(
    parseWwwAuthenticate(
      'Bearer Resource_Metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="files:read files:write", Error=invalid_token',
    ),
    [{
      scheme: "bearer",
      params: {
        resource_metadata: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
        scope: "files:read files:write",
        error: "invalid_token",
      },
    }],
  );
});

Deno.test("www-authenticate: quoted strings unescape backslashes and keep commas", () => {
  const [challenge] = parseWwwAuthenticate(
    'Bearer error_description="a \\"quoted\\" word, and a comma", realm = "x\\\\y"',
  );
  assert.equal(challenge.params.error_description, 'a "quoted" word, and a comma');
  assert.equal(challenge.params.realm, "x\\y");
});

Deno.test("www-authenticate: several challenges, token68 and bare schemes", () => {
  const challenges = parseWwwAuthenticate(
    'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Negotiate abc+/==, Bare',
  );
  assert.deepEqual(challenges.map((c) => c.scheme), ["newauth", "basic", "negotiate", "bare"]);
  assert.deepEqual(challenges[0].params, { realm: "apps", type: "1", title: 'Login to "apps"' });
  assert.deepEqual(challenges[1].params, { realm: "simple" });
  assert.deepEqual(challenges[2].params, { token68: "abc+/==" });
  assert.deepEqual(challenges[3].params, {});
});

Deno.test("www-authenticate: Basic before Bearer, findChallenge picks bearer", () => {
  const challenges = parseWwwAuthenticate(
    'Basic realm="x", Bearer error="insufficient_scope", scope="admin"',
  );
  assert.deepEqual(findChallenge(challenges, "Bearer")?.params, {
    error: "insufficient_scope",
    scope: "admin",
  });
});

Deno.test("www-authenticate: empty, junk and unterminated input never throw", () => {
  assert.deepEqual(parseWwwAuthenticate(null), []);
  assert.deepEqual(parseWwwAuthenticate(""), []);
  assert.deepEqual(parseWwwAuthenticate(" , ,"), []);
  assert.deepEqual(parseWwwAuthenticate('Bearer realm="unterminated'), [
    { scheme: "bearer", params: { realm: "unterminated" } },
  ]);
  assert.equal(parseWwwAuthenticate("Bearer =oops, realm=x")[0].scheme, "bearer");
});

Deno.test("www-authenticate: first value wins for a repeated parameter", () => {
  assert.equal(parseWwwAuthenticate('Bearer scope="a", scope="b"')[0].params.scope, "a");
});
