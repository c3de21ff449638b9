import assert from "node:assert/strict";
import {
  createPaint,
  describeServer,
  diffClientChanges,
  formatAuthSummary,
  formatClientChanges,
  formatClientInformation,
  formatDuration,
  formatExpiry,
  maskClientInformation,
  summarizeAuth,
} from "../../lib/cli/auth_format.ts";
import type { Settings } from "../../lib/config/settings.ts";

const NOW = Date.parse("2026-01-01T10:00:00Z");

Deno.test("durations and expiry times read naturally", () => {
  const table: Array<[number, string]> = [
    [0, "0 s"],
    [45_000, "45 s"],
    [89_000, "89 s"],
    [12 * 60_000, "12 min"],
    [185 * 60_000, "3 h 5 min"],
    [3 * 3_600_000, "3 h"],
    [4 * 86_400_000, "4 days"],
    [-30_000, "30 s"],
  ];
  for (const [ms, text] of table) assert.equal(formatDuration(ms), text, String(ms));
  assert.equal(
    formatExpiry(new Date(NOW + 59 * 60_000), NOW),
    "2026-01-01 10:59:00 UTC (in 59 min)",
  );
  assert.equal(
    formatExpiry(new Date(NOW - 120_000), NOW),
    "2026-01-01 09:58:00 UTC (expired 2 min ago)",
  );
});

function settings(overrides: Partial<Settings> = {}) {
  return {
    settings: {
      serverUrl: new URL("https://mcp.example.com/mcp"),
      stateFile: "/state/mcp.example.com.env",
      accessTokenSource: "state",
      oauth: { clientId: undefined, clientSecret: undefined },
      headers: [],
      ...overrides,
    } as unknown as Settings,
  };
}

Deno.test("the sign-in summary shows presence, never a secret", () => {
  const summary = summarizeAuth(settings(), {
    clientId: "client-1",
    clientSecret: "very-secret-value",
    accessToken: "access-token-value",
    refreshToken: "refresh-token-value",
    expiresAt: new Date(NOW + 3_600_000),
    scope: "read write",
    registrationUri: "https://as.example.com/reg/client-1",
    registrationToken: "registration-token",
  }, NOW);
  assert.deepEqual(summary, {
    server: "https://mcp.example.com/mcp",
    stateFile: "/state/mcp.example.com.env",
    client: { id: "client-1", secret: true, management: true },
    token: {
      present: true,
      source: "state",
      expiresAt: "2026-01-01T11:00:00.000Z",
      expiresInSeconds: 3600,
      expired: false,
      scope: "read write",
      refreshToken: true,
    },
  });
  const lines = formatAuthSummary(summary, NOW);
  assert.deepEqual(lines, [
    "  Server:        https://mcp.example.com/mcp",
    "  State file:    /state/mcp.example.com.env",
    "  Client id:     client-1",
    "  Client secret: set",
    "  Management:    RFC 7592 available",
    "  Access token:  present, expires 2026-01-01 11:00:00 UTC (in 60 min)",
    "  Scope:         read write",
    "  Refresh token: present",
  ]);
  const text = lines.join("\n");
  for (const secret of ["very-secret-value", "access-token-value", "refresh-token-value"]) {
    assert.ok(!text.includes(secret));
  }
});

Deno.test("the summary of an empty state and of a static token", () => {
  const empty = summarizeAuth(settings({ accessTokenSource: undefined }), {}, NOW);
  const lines = formatAuthSummary(empty, NOW, createPaint(true));
  assert.ok(lines.includes("  Client id:     none (registers on sign-in)"));
  assert.ok(lines.includes("  Access token:  \x1b[33mnone\x1b[0m"), lines.join("\n"));
  const env = summarizeAuth(settings({ accessTokenSource: "env" }), {
    expiresAt: new Date(NOW - 1000),
  }, NOW);
  assert.deepEqual(env.token, { present: true, source: "env", refreshToken: false });
  assert.ok(
    formatAuthSummary(env, NOW).includes(
      "  Access token:  set (from MCP_CLIENT_ACCESS_TOKEN, static)",
    ),
  );
  const expired = summarizeAuth(settings(), {
    accessToken: "a",
    expiresAt: new Date(NOW - 1000),
  }, NOW);
  assert.equal(expired.token.expired, true);
  assert.match(formatAuthSummary(expired, NOW).join("\n"), /expired 1 s ago/);
});

Deno.test("client information puts identity first and hides secrets", () => {
  const info = {
    redirect_uris: ["http://127.0.0.1:8976/callback"],
    client_id: "client-1",
    client_secret: "very-secret-value",
    registration_access_token: "registration-token",
    client_id_issued_at: 1767261600,
    client_secret_expires_at: 0,
    contacts: [],
    zeta: { nested: true },
  };
  assert.deepEqual(formatClientInformation(info), [
    "  client_id:                 client-1",
    "  client_secret:             [redacted]",
    "  client_id_issued_at:       2026-01-01T10:00:00Z (1767261600)",
    "  client_secret_expires_at:  0 (never)",
    "  redirect_uris:             http://127.0.0.1:8976/callback",
    "  contacts:                  (empty)",
    "  registration_access_token: [redacted]",
    '  zeta:                      {"nested":true}',
  ]);
  assert.deepEqual(maskClientInformation(info).client_secret, "[redacted]");
  assert.deepEqual(maskClientInformation(info).registration_access_token, "[redacted]");
  assert.equal(maskClientInformation(info).client_id, "client-1");
  assert.equal(
    describeServer({ name: "demo", version: "1.0.0", protocolVersion: "2025-11-25" }),
    '"demo" 1.0.0 (protocol 2025-11-25)',
  );
  assert.equal(
    describeServer({ name: "v2", version: "2", protocolVersion: "2026-07-28", era: "modern" }),
    '"v2" 2 (protocol 2026-07-28, modern era)',
  );
});

Deno.test("an update shows only real changes", () => {
  const before = { client_id: "c", client_name: "New Name", client_uri: "https://a" };
  const desired = { ...before, client_uri: "https://b", bogus_field: "x", logo_uri: "https://l" };
  const after = {
    client_id: "c",
    client_name: "New Name",
    client_uri: "https://b",
    logo_uri: "https://L",
  };
  const diff = diffClientChanges({
    requested: ["client_name", "client_uri", "bogus_field", "logo_uri"],
    before,
    desired,
    after,
  });
  assert.deepEqual(diff, {
    changed: [
      { field: "client_uri", before: "https://a", after: "https://b", applied: true },
      { field: "logo_uri", before: undefined, after: "https://L", applied: false },
    ],
    unchanged: ["client_name"],
    refused: ["bogus_field"],
  });
  assert.deepEqual(formatClientChanges("c", diff), [
    'Updated client "c"',
    "  client_uri: https://a -> https://b",
    "  logo_uri: (unset) -> https://L (the server chose this value)",
    "Already set: client_name",
    "Not applied by the server: bogus_field",
  ]);
  const none = diffClientChanges({
    requested: ["client_name"],
    before,
    desired: before,
    after: before,
  });
  assert.deepEqual(formatClientChanges("c", none), [
    'Client "c" is unchanged',
    "Already set: client_name",
  ]);
});

Deno.test("an Authorization header from -H counts as a static token", () => {
  const summary = summarizeAuth(
    settings({ accessTokenSource: undefined, headers: [["authorization", "Bearer x"]] }),
    { expiresAt: new Date(NOW) },
    NOW,
  );
  assert.deepEqual(summary.token, { present: true, source: "header", refreshToken: false });
  assert.ok(
    formatAuthSummary(summary, NOW).includes(
      "  Access token:  set (Authorization header from -H, static)",
    ),
  );
});
