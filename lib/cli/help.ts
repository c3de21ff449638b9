/**
 * PLACEHOLDER owned by the CLI helper: the `--help` text.
 *
 * @module
 */

/** The full help text. */
export function formatHelp(): string {
  return "mcp-streamablehttp-client\n";
}
