/**
 * Every top-level request key the converters give meaning to; any other key travels in `extra`.
 *
 * An `extra` key with one of these names is never sent, even when the modeled field is absent:
 * `extra` holds what the proto does not model, and letting it set `model`, `stream` or a value that
 * skipped validation would go around the gateway.
 */
export const MODELED_REQUEST_KEYS: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "stream",
  "temperature",
  "top_p",
  "n",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "presence_penalty",
  "frequency_penalty",
  "logit_bias",
  "logprobs",
  "top_logprobs",
  "seed",
  "user",
  "reasoning_effort",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "stream_options",
]);
