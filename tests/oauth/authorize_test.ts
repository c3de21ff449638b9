import assert from "node:assert/strict";
import {
  buildAuthorizationUrl,
  buildRegistrationMetadata,
  chooseAuthMethod,
  chooseRegistrationAuthMethod,
  requirePkceS256,
} from "../../lib/oauth/authorize.ts";

Deno.test("authorization URL carries PKCE, state, scope and resource", () => {
  const url = buildAuthorizationUrl(
    new URL("https://as.example/authorize?tenant=1#x"),
    {
      clientId: "c",
      redirectUri: "http://127.0.0.1:5/callback",
      codeChallenge: "ch",
      state: "st",
      scope: "a b",
      resource: "https://mcp.example/mcp",
    },
  );
  assert.equal(
    url.href,
    "https://as.example/authorize?tenant=1&response_type=code&client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A5%2Fcallback&code_challenge=ch&code_challenge_method=S256&state=st&scope=a+b&resource=https%3A%2F%2Fmcp.example%2Fmcp",
  );
  assert.throws(
    () => requirePkceS256({ code_challenge_methods_supported: ["plain"] }),
    /S256/,
  );
  requirePkceS256({ code_challenge_methods_supported: ["plain", "S256"] });
});

Deno.test("token endpoint auth method choice", () => {
  assert.equal(chooseAuthMethod({}, true), "client_secret_basic");
  assert.equal(chooseAuthMethod({}, false), "none");
  assert.equal(
    chooseAuthMethod({
      token_endpoint_auth_methods_supported: ["client_secret_post"],
    }, true),
    "client_secret_post",
  );
  assert.equal(
    chooseRegistrationAuthMethod({
      token_endpoint_auth_methods_supported: ["client_secret_post", "none"],
    }),
    "none",
  );
  assert.equal(chooseRegistrationAuthMethod({}), "client_secret_basic");
  const metadata = buildRegistrationMetadata({
    redirectUri: "http://127.0.0.1:1/callback",
    authMethod: "none",
  });
  assert.equal(metadata.application_type, "native");
  assert.deepEqual(metadata.grant_types, [
    "authorization_code",
    "refresh_token",
  ]);
});
