import type { CreateChatCompletionRequest } from "../../gen/tensorwall/v1/chat_pb.js";

/** Completion tokens assumed when a request sets neither max_completion_tokens nor max_tokens. */
export const DEFAULT_MAX_COMPLETION_TOKENS = 4096;

/** What an image counts for: a high-detail 1024x1024 image (Azure's tiling: 85 + 4 × 170). */
const TOKENS_PER_IMAGE = 765;
/** OpenAI's documented overhead per message (role and separators) and per reply (its priming). */
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_REPLY = 3;
/** English text averages about four characters per token in OpenAI's tokenizers. */
const CHARS_PER_TOKEN = 4;

/** A request's tokens as estimated before it is sent, for limits that must be checked up front. */
export interface TokenEstimate {
  readonly promptTokens: number;
  /** The most completion tokens the request can produce: its max tokens, times n. */
  readonly completionTokens: number;
}

/**
 * A cheap estimate, with no tokenizer: prompt text length / 4, plus OpenAI's per-message overhead,
 * 765 tokens per image, and the tool definitions' JSON length / 4; completion tokens are
 * max_completion_tokens (else max_tokens, else 4096) times n. After the call the real usage
 * replaces it.
 */
export function estimateTokens(request: CreateChatCompletionRequest): TokenEstimate {
  let chars = 0;
  let images = 0;
  for (const message of request.messages) {
    chars += (message.content?.length ?? 0) + (message.name?.length ?? 0) + (message.refusal?.length ?? 0);
    for (const part of message.contentParts) {
      if (part.part.case === "text" || part.part.case === "refusal") chars += part.part.value.length;
      else if (part.part.case === "imageUrl") images += 1;
    }
    for (const call of message.toolCalls) {
      chars += (call.function?.name.length ?? 0) + (call.function?.arguments.length ?? 0);
    }
  }
  for (const tool of request.tools) {
    const fn = tool.function;
    if (fn === undefined) continue;
    chars += fn.name.length + (fn.description?.length ?? 0) + JSON.stringify(fn.parameters ?? {}).length;
  }
  const promptTokens =
    Math.ceil(chars / CHARS_PER_TOKEN) +
    TOKENS_PER_MESSAGE * request.messages.length +
    TOKENS_PER_REPLY +
    TOKENS_PER_IMAGE * images;
  const maxCompletion = request.maxCompletionTokens ?? request.maxTokens ?? DEFAULT_MAX_COMPLETION_TOKENS;
  return { promptTokens, completionTokens: Math.max(0, maxCompletion) * Math.max(1, request.n ?? 1) };
}

/** Completion tokens guessed from streamed text, for a stream that ended without Azure's usage. */
export function estimateCompletionTokens(streamedChars: number): number {
  return Math.ceil(streamedChars / CHARS_PER_TOKEN);
}
