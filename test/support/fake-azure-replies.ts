/**
 * Azure OpenAI's wire format, as the fake server sends it: bodies of chat completions, stream
 * chunks and errors, shaped like Azure's (api-version 2024-10-21) down to the content-filter fields.
 */
import { randomBytes, randomUUID } from "node:crypto";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonRecord = { [key: string]: Json };

const SAFE = { filtered: false, severity: "safe" } as const;
const NOT_DETECTED = { filtered: false, detected: false } as const;

/** What the model "says": text, or a call to one of the request's tools. */
export type FakeAnswer =
  | { kind: "text"; pieces: string[] }
  | { kind: "tool_call"; id: string; name: string; argumentPieces: string[] };

/** Identity shared by every chunk of one completion. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
}

export function completionIdentity(deployment: string): CompletionIdentity {
  return {
    id: `chatcmpl-${randomBytes(21).toString("base64url").slice(0, 29)}`,
    created: Math.floor(Date.now() / 1000),
    model: modelFor(deployment),
    systemFingerprint: `fp_${randomBytes(5).toString("hex")}`,
  };
}

/** The model version Azure reports for a deployment; Azure names the model, not the deployment. */
function modelFor(deployment: string): string {
  if (deployment.includes("mini")) return "gpt-4o-mini-2024-07-18";
  if (deployment.includes("35")) return "gpt-35-turbo-0125";
  return "gpt-4o-2024-08-06";
}

export function responseHeaders(region: string | undefined): Record<string, string> {
  const requestId = randomUUID();
  return {
    "apim-request-id": requestId,
    "x-request-id": requestId,
    "x-ratelimit-remaining-requests": "99",
    "x-ratelimit-remaining-tokens": "99000",
    "x-ms-rai-invoked": "true",
    ...(region !== undefined && { "x-ms-region": region }),
  };
}

export function choiceContentFilterResults(): JsonRecord {
  return {
    hate: { ...SAFE },
    protected_material_code: { ...NOT_DETECTED },
    protected_material_text: { ...NOT_DETECTED },
    self_harm: { ...SAFE },
    sexual: { ...SAFE },
    violence: { ...SAFE },
  };
}

export function promptFilterResults(): Json[] {
  return [
    {
      prompt_index: 0,
      content_filter_results: {
        hate: { ...SAFE },
        jailbreak: { ...NOT_DETECTED },
        self_harm: { ...SAFE },
        sexual: { ...SAFE },
        violence: { ...SAFE },
      },
    },
  ];
}

export function usage(promptTokens: number, completionTokens: number): JsonRecord {
  return {
    completion_tokens: completionTokens,
    completion_tokens_details: {
      accepted_prediction_tokens: 0,
      audio_tokens: 0,
      reasoning_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    prompt_tokens: promptTokens,
    prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
    total_tokens: promptTokens + completionTokens,
  };
}

/** A rough token count, stable for a given request, so usage numbers look plausible. */
export function promptTokensOf(body: JsonRecord): number {
  return Math.max(1, Math.ceil(JSON.stringify(body["messages"] ?? []).length / 4));
}

function answerTokens(answer: FakeAnswer): number {
  return answer.kind === "text" ? answer.pieces.length : answer.argumentPieces.length + 5;
}

/** A non-streamed `chat.completion`, with `n` identical choices. */
export function chatCompletion(identity: CompletionIdentity, answer: FakeAnswer, request: JsonRecord): JsonRecord {
  const n = typeof request["n"] === "number" && request["n"] > 1 ? request["n"] : 1;
  const message: JsonRecord =
    answer.kind === "text"
      ? { annotations: [], content: answer.pieces.join(""), refusal: null, role: "assistant" }
      : {
          annotations: [],
          content: null,
          refusal: null,
          role: "assistant",
          tool_calls: [
            { id: answer.id, type: "function", function: { name: answer.name, arguments: answer.argumentPieces.join("") } },
          ],
        };
  return {
    choices: Array.from({ length: n }, (_, index) => ({
      content_filter_results: choiceContentFilterResults(),
      finish_reason: answer.kind === "text" ? "stop" : "tool_calls",
      index,
      logprobs: null,
      message,
    })),
    created: identity.created,
    id: identity.id,
    model: identity.model,
    object: "chat.completion",
    prompt_filter_results: promptFilterResults(),
    system_fingerprint: identity.systemFingerprint,
    usage: usage(promptTokensOf(request), answerTokens(answer) * n),
  };
}

/**
 * Every `data:` payload of one streamed completion, in order, without `[DONE]`: Azure's
 * prompt-filter chunk (empty id, model and choices), the role chunk, one chunk per piece, the
 * finish chunk, and the usage chunk when `stream_options.include_usage` asks for it.
 */
export function streamChunks(identity: CompletionIdentity, answer: FakeAnswer, request: JsonRecord): JsonRecord[] {
  const streamOptions = request["stream_options"];
  const includeUsage =
    typeof streamOptions === "object" && streamOptions !== null && !Array.isArray(streamOptions) &&
    streamOptions["include_usage"] === true;
  const chunk = (choice: JsonRecord): JsonRecord => ({
    choices: [{ content_filter_results: {}, finish_reason: null, index: 0, logprobs: null, ...choice }],
    created: identity.created,
    id: identity.id,
    model: identity.model,
    object: "chat.completion.chunk",
    system_fingerprint: identity.systemFingerprint,
    ...(includeUsage && { usage: null }),
  });

  const chunks: JsonRecord[] = [
    { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: promptFilterResults() },
  ];
  if (answer.kind === "text") {
    chunks.push(chunk({ delta: { content: "", refusal: null, role: "assistant" } }));
    let offset = 0;
    answer.pieces.forEach((piece, i) => {
      const start = offset;
      offset += piece.length;
      chunks.push(
        chunk({
          content_filter_results: choiceContentFilterResults(),
          // In asynchronous filter mode Azure marks which stretch of text each verdict covers.
          ...(i % 2 === 1 && { content_filter_offsets: { check_offset: 0, start_offset: start, end_offset: offset } }),
          delta: { content: piece },
        }),
      );
    });
  } else {
    chunks.push(
      chunk({
        delta: {
          content: null,
          role: "assistant",
          tool_calls: [{ function: { arguments: "", name: answer.name }, id: answer.id, index: 0, type: "function" }],
        },
      }),
    );
    for (const piece of answer.argumentPieces) {
      chunks.push(chunk({ delta: { tool_calls: [{ function: { arguments: piece }, index: 0 }] } }));
    }
  }
  chunks.push(chunk({ delta: {}, finish_reason: answer.kind === "text" ? "stop" : "tool_calls" }));
  if (includeUsage) {
    chunks.push({
      choices: [],
      created: identity.created,
      id: identity.id,
      model: identity.model,
      object: "chat.completion.chunk",
      system_fingerprint: identity.systemFingerprint,
      usage: usage(promptTokensOf(request), answerTokens(answer)),
    });
  }
  return chunks;
}

/**
 * Splits text into `count` pieces of nearly equal length, never inside a character; without a count,
 * into words with their leading space, the way models stream.
 */
export function splitText(text: string, count?: number): string[] {
  if (count === undefined) return text.match(/\s*\S+/g) ?? [text];
  const chars = Array.from(text);
  const pieces = Math.max(1, Math.min(count, chars.length));
  return Array.from({ length: pieces }, (_, i) =>
    chars.slice(Math.floor((i * chars.length) / pieces), Math.floor(((i + 1) * chars.length) / pieces)).join(""),
  );
}

/** The tool to call, honouring `tool_choice`; undefined when the reply should be text. */
export function chosenTool(request: JsonRecord): { name: string; parameters: Json } | undefined {
  const tools = request["tools"];
  const choice = request["tool_choice"];
  if (!Array.isArray(tools) || tools.length === 0 || choice === "none") return undefined;
  const named =
    typeof choice === "object" && choice !== null && !Array.isArray(choice)
      ? functionOf(choice)?.["name"]
      : undefined;
  for (const tool of tools) {
    const fn = typeof tool === "object" && tool !== null && !Array.isArray(tool) ? functionOf(tool) : undefined;
    const name = fn?.["name"];
    if (typeof name === "string" && (named === undefined || named === name)) {
      return { name, parameters: fn?.["parameters"] ?? null };
    }
  }
  return undefined;
}

function functionOf(value: JsonRecord): JsonRecord | undefined {
  const fn = value["function"];
  return typeof fn === "object" && fn !== null && !Array.isArray(fn) ? fn : undefined;
}

/** Plausible arguments for a JSON-schema `parameters` object, as the JSON string Azure sends. */
export function exampleArguments(parameters: Json): string {
  const properties =
    typeof parameters === "object" && parameters !== null && !Array.isArray(parameters)
      ? parameters["properties"]
      : undefined;
  const args: JsonRecord = {};
  if (typeof properties === "object" && properties !== null && !Array.isArray(properties)) {
    for (const [name, schema] of Object.entries(properties)) {
      const type = typeof schema === "object" && schema !== null && !Array.isArray(schema) ? schema["type"] : undefined;
      args[name] =
        type === "number" || type === "integer" ? 1 : type === "boolean" ? true : /location|city/i.test(name) ? "Paris" : "example";
    }
  }
  return JSON.stringify(args);
}

export function toolCallId(): string {
  return `call_${randomBytes(18).toString("base64url").slice(0, 24)}`;
}

// Error bodies, verbatim from Azure OpenAI.

export const UNAUTHORIZED_BODY = {
  error: {
    code: "401",
    message:
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
  },
};

export const DEPLOYMENT_NOT_FOUND_BODY = {
  error: {
    code: "DeploymentNotFound",
    message:
      "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
  },
};

export const RESOURCE_NOT_FOUND_BODY = { error: { code: "404", message: "Resource not found" } };

export const MISSING_API_VERSION_BODY = {
  error: { code: "BadRequest", message: "Missing required query parameter: api-version" },
};

export function rateLimitedBody(retryAfterSeconds: number): JsonRecord {
  return {
    error: {
      code: "429",
      message: `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${retryAfterSeconds} seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`,
    },
  };
}

export const SERVER_ERROR_BODY = {
  error: {
    code: "InternalServerError",
    message: "The server had an error while processing your request. Sorry about that!",
  },
};

export const SERVICE_UNAVAILABLE_BODY = {
  error: {
    code: "ServiceUnavailable",
    message: "The service is temporarily unable to process your request. Please try again later.",
  },
};

/** Azure's 400 for a prompt its content filter rejected; `category` is the one that fired. */
export function contentFilterBody(category: "hate" | "self_harm" | "sexual" | "violence"): JsonRecord {
  const result: JsonRecord = {
    hate: { ...SAFE },
    jailbreak: { ...NOT_DETECTED },
    self_harm: { ...SAFE },
    sexual: { ...SAFE },
    violence: { ...SAFE },
  };
  result[category] = { filtered: true, severity: "medium" };
  return {
    error: {
      message:
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
      type: null,
      param: "prompt",
      code: "content_filter",
      status: 400,
      innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: result },
    },
  };
}

/** The `error` object Azure puts in a stream event when generation fails after the stream began. */
export const STREAM_SERVER_ERROR = {
  message: "The server had an error processing your request. Sorry about that!",
  type: "server_error",
  param: null,
  code: null,
};
