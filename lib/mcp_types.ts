/**
 * The MCP result shapes the library returns, as plain structural types: the fields a script
 * reads, each object open to the fields a newer protocol revision adds. Types only; `lib/` keeps
 * the MCP SDK out of its runtime graph and of the package's public types.
 *
 * @see https://modelcontextprotocol.io/specification/2025-11-25/schema
 * @module
 */

/** A server's or client's name and version (`serverInfo`, `clientInfo`). */
export interface Implementation {
  /** Programmatic name. */
  name: string;
  /** Version string. */
  version: string;
  /** Display name, when given. */
  title?: string;
  /** Fields of newer protocol revisions. */
  [key: string]: unknown;
}

/** One content block of a tool result or prompt message: `text`, `image`, `audio`, `resource`… */
export interface ContentBlock {
  /** The block's type: `text`, `image`, `audio`, `resource_link`, `resource`. */
  type: string;
  /** The text of a `text` block. */
  text?: string;
  /** The other fields of the block (`data`, `mimeType`, `resource`, `uri`…). */
  [key: string]: unknown;
}

/** A tool from `tools/list`. */
export interface Tool {
  /** The name to call it by. */
  name: string;
  /** Display name, when given. */
  title?: string;
  /** What the tool does. */
  description?: string;
  /** JSON Schema of the arguments. */
  inputSchema: Record<string, unknown>;
  /** JSON Schema of `structuredContent`, when the tool declares one. */
  outputSchema?: Record<string, unknown>;
  /** Other fields (`annotations`, `_meta`…). */
  [key: string]: unknown;
}

/** The result of `tools/call`; `isError: true` is the tool's own failure, not an exception. */
export interface CallToolResult {
  /** What the tool returned, for a model or a person to read. */
  content: ContentBlock[];
  /** The result as JSON, for tools with an `outputSchema`. */
  structuredContent?: Record<string, unknown>;
  /** The tool failed; `content` says why. */
  isError?: boolean;
  /** Other fields (`_meta`…). */
  [key: string]: unknown;
}

/** A resource from `resources/list`. */
export interface Resource {
  /** Its URI, for `readResource`. */
  uri: string;
  /** Programmatic name. */
  name: string;
  /** Display name, when given. */
  title?: string;
  /** What it holds. */
  description?: string;
  /** Its media type, when known. */
  mimeType?: string;
  /** Other fields (`size`, `annotations`…). */
  [key: string]: unknown;
}

/** A resource template from `resources/templates/list`. */
export interface ResourceTemplate {
  /** RFC 6570 URI template. */
  uriTemplate: string;
  /** Programmatic name. */
  name: string;
  /** Display name, when given. */
  title?: string;
  /** What its resources hold. */
  description?: string;
  /** Media type of its resources, when known. */
  mimeType?: string;
  /** Other fields. */
  [key: string]: unknown;
}

/** One item of a `resources/read` result: `text`, or `blob` in base64. */
export interface ResourceContents {
  /** The URI of this item. */
  uri: string;
  /** Its media type, when known. */
  mimeType?: string;
  /** The content, for text. */
  text?: string;
  /** The content in base64, for binary data. */
  blob?: string;
  /** Other fields (`_meta`…). */
  [key: string]: unknown;
}

/** The result of `resources/read`. */
export interface ReadResourceResult {
  /** The resource's contents (several for a directory-like resource). */
  contents: ResourceContents[];
  /** Other fields. */
  [key: string]: unknown;
}

/** An argument of a prompt. */
export interface PromptArgument {
  /** Its name, a key of `getPrompt`'s arguments. */
  name: string;
  /** What it means. */
  description?: string;
  /** Whether it must be given. */
  required?: boolean;
  /** Other fields. */
  [key: string]: unknown;
}

/** A prompt from `prompts/list`. */
export interface Prompt {
  /** The name to get it by. */
  name: string;
  /** Display name, when given. */
  title?: string;
  /** What it is for. */
  description?: string;
  /** The arguments it takes. */
  arguments?: PromptArgument[];
  /** Other fields. */
  [key: string]: unknown;
}

/** One message of a `prompts/get` result. */
export interface PromptMessage {
  /** Who says it. */
  role: "user" | "assistant";
  /** What is said. */
  content: ContentBlock;
  /** Other fields. */
  [key: string]: unknown;
}

/** The result of `prompts/get`. */
export interface GetPromptResult {
  /** What the prompt is for. */
  description?: string;
  /** The messages, with the arguments filled in. */
  messages: PromptMessage[];
  /** Other fields. */
  [key: string]: unknown;
}
