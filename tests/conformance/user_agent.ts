/**
 * The "browser" of the conformance harness, run by the bridge as `$BROWSER <authorize-url>`.
 * The suite's authorization server approves every request at once with a redirect, so a user
 * agent only has to fetch the authorize URL without following redirects and deliver the
 * `Location` (the bridge's loopback callback with `code` and `state`). It prints one line per
 * hop and exits non-zero when the authorization server does not redirect.
 *
 * @module
 */

/** Fetches `authorizeUrl`, then delivers its redirect to the callback; returns the callback status. */
export async function deliverAuthorization(authorizeUrl: string): Promise<number> {
  const authorize = await fetch(authorizeUrl, { redirect: "manual" });
  await authorize.body?.cancel();
  const location = authorize.headers.get("location");
  console.log(`user-agent: GET ${authorizeUrl} -> ${authorize.status}`);
  if (authorize.status < 300 || authorize.status > 399 || !location) {
    throw new Error(`Authorization server did not redirect: status ${authorize.status}`);
  }
  const callbackUrl = new URL(location, authorizeUrl);
  const callback = await fetch(callbackUrl, { redirect: "manual" });
  await callback.body?.cancel();
  console.log(`user-agent: GET ${callbackUrl.origin}${callbackUrl.pathname} -> ${callback.status}`);
  return callback.status;
}

if (import.meta.main) {
  const url = Deno.args[0];
  if (!url) {
    console.error("user-agent: no URL given");
    Deno.exit(2);
  }
  try {
    const status = await deliverAuthorization(url);
    Deno.exit(status >= 200 && status < 400 ? 0 : 1);
  } catch (error) {
    console.error(`user-agent: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
