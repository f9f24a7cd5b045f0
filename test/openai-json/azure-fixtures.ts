import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/**
 * Azure OpenAI chat JSON in the shapes Azure sends it (api-version 2024-10-21 and later, gpt-4o and
 * o4-mini deployments). Deep-frozen, so a converter that wrote to its input would throw.
 */

function frozen<T extends JsonValue>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

const safe = { filtered: false, severity: "safe" };

const PROMPT_FILTER_RESULTS = [
  {
    prompt_index: 0,
    content_filter_results: {
      hate: safe,
      jailbreak: { filtered: false, detected: false },
      self_harm: safe,
      sexual: safe,
      violence: safe,
    },
  },
];

const COMPLETION_FILTER_RESULTS = {
  hate: safe,
  protected_material_code: { filtered: false, detected: false },
  protected_material_text: { filtered: false, detected: false },
  self_harm: safe,
  sexual: safe,
  violence: safe,
};

/** A unary reply with content, log probabilities, cached prompt tokens and filter results. */
export const unaryReply: JsonObject = frozen({
  choices: [
    {
      content_filter_results: COMPLETION_FILTER_RESULTS,
      finish_reason: "stop",
      index: 0,
      logprobs: {
        content: [
          {
            bytes: [72, 101, 108, 108, 111],
            logprob: -0.0000019816675,
            token: "Hello",
            top_logprobs: [
              { bytes: [72, 101, 108, 108, 111], logprob: -0.0000019816675, token: "Hello" },
              { bytes: [72, 105], logprob: -13.250002, token: "Hi" },
            ],
          },
          {
            bytes: [33],
            logprob: -0.31326208,
            token: "!",
            top_logprobs: [
              { bytes: [33], logprob: -0.31326208, token: "!" },
              { bytes: [44], logprob: -1.3132621, token: "," },
            ],
          },
        ],
        refusal: null,
      },
      message: { content: "Hello!", refusal: null, role: "assistant" },
    },
  ],
  created: 1727350483,
  id: "chatcmpl-AB9p5MvxYVJQ4o2lQ3bXQpG0xL5aa",
  model: "gpt-4o-2024-08-06",
  object: "chat.completion",
  prompt_filter_results: PROMPT_FILTER_RESULTS,
  system_fingerprint: "fp_5f20662549",
  usage: {
    completion_tokens: 2,
    completion_tokens_details: {
      accepted_prediction_tokens: 0,
      audio_tokens: 0,
      reasoning_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    prompt_tokens: 1210,
    prompt_tokens_details: { audio_tokens: 0, cached_tokens: 1024 },
    total_tokens: 1212,
  },
});

/** A reasoning model calling a tool: no content, finish_reason "tool_calls", reasoning tokens. */
export const toolCallReply: JsonObject = frozen({
  choices: [
    {
      content_filter_results: {},
      finish_reason: "tool_calls",
      index: 0,
      logprobs: null,
      message: {
        content: null,
        refusal: null,
        role: "assistant",
        tool_calls: [
          {
            function: { arguments: '{"location":"Paris, France"}', name: "get_weather" },
            id: "call_8XzYkLq3T0b1mQ2vRw9sJd4E",
            type: "function",
          },
          {
            function: { arguments: '{"location":"Lyon, France"}', name: "get_weather" },
            id: "call_1PaQ7nV5cL2kW8xZ3rT6yB0M",
            type: "function",
          },
        ],
      },
    },
  ],
  created: 1745912345,
  id: "chatcmpl-BRq2zkP9wXbYH1tT4uV7mN3cD8eF0",
  model: "o4-mini-2025-04-16",
  object: "chat.completion",
  prompt_filter_results: PROMPT_FILTER_RESULTS,
  system_fingerprint: "fp_e7d4a5f2b1",
  usage: {
    completion_tokens: 151,
    completion_tokens_details: {
      accepted_prediction_tokens: 0,
      audio_tokens: 0,
      reasoning_tokens: 64,
      rejected_prediction_tokens: 0,
    },
    prompt_tokens: 84,
    prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
    total_tokens: 235,
  },
});

const ID = "chatcmpl-AB9qR3wHkV1c7bJ4dN8eP2sT6uY0z";
const CREATED = 1727350542;
const MODEL = "gpt-4o-2024-08-06";
const FINGERPRINT = "fp_5f20662549";

function chunk(choice: JsonObject): JsonObject {
  return {
    choices: [{ content_filter_results: {}, finish_reason: null, index: 0, logprobs: null, ...choice }],
    created: CREATED,
    id: ID,
    model: MODEL,
    object: "chat.completion.chunk",
    system_fingerprint: FINGERPRINT,
  };
}

/** Azure's first chunk: no tokens, no id, no model, only the prompt's filter results. */
export const promptFilterChunk: JsonObject = frozen({
  choices: [],
  created: 0,
  id: "",
  model: "",
  object: "",
  prompt_filter_results: PROMPT_FILTER_RESULTS,
});

/** A streamed text answer asked with `stream_options.include_usage`, in Azure's default filter mode. */
export const textStream: readonly JsonObject[] = frozen([
  promptFilterChunk,
  chunk({ delta: { content: "", role: "assistant" } }),
  chunk({ content_filter_results: COMPLETION_FILTER_RESULTS, delta: { content: "Hello" } }),
  chunk({ content_filter_results: COMPLETION_FILTER_RESULTS, delta: { content: "! How can I help?" } }),
  chunk({ delta: {}, finish_reason: "stop" }),
  {
    choices: [],
    created: CREATED,
    id: ID,
    model: MODEL,
    object: "chat.completion.chunk",
    system_fingerprint: FINGERPRINT,
    usage: {
      completion_tokens: 7,
      completion_tokens_details: {
        accepted_prediction_tokens: 0,
        audio_tokens: 0,
        reasoning_tokens: 0,
        rejected_prediction_tokens: 0,
      },
      prompt_tokens: 19,
      prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
      total_tokens: 26,
    },
  },
]);

/** A streamed tool call: the first delta names the function, later ones carry argument text. */
export const toolCallStream: readonly JsonObject[] = frozen([
  promptFilterChunk,
  chunk({
    delta: {
      role: "assistant",
      tool_calls: [
        {
          function: { arguments: "", name: "get_weather" },
          id: "call_8XzYkLq3T0b1mQ2vRw9sJd4E",
          index: 0,
          type: "function",
        },
      ],
    },
  }),
  chunk({ delta: { tool_calls: [{ function: { arguments: '{"location"' }, index: 0 }] } }),
  chunk({ delta: { tool_calls: [{ function: { arguments: ':"Paris"}' }, index: 0 }] } }),
  chunk({ delta: {}, finish_reason: "tool_calls" }),
]);

/** A streamed token with log probabilities. */
export const logprobsChunk: JsonObject = frozen(
  chunk({
    delta: { content: "Hi" },
    logprobs: {
      content: [{ bytes: [72, 105], logprob: -0.0019, token: "Hi", top_logprobs: [] }],
      refusal: null,
    },
  }),
);

/**
 * An asynchronous-filter annotation: it vets text already sent, names the span with
 * `content_filter_offsets`, and carries no delta.
 */
export const asyncFilterAnnotation: JsonObject = frozen({
  choices: [
    {
      content_filter_offsets: { check_offset: 44, start_offset: 44, end_offset: 198 },
      content_filter_results: { hate: safe, self_harm: safe, sexual: safe, violence: safe },
      finish_reason: null,
      index: 0,
    },
  ],
  created: 0,
  id: "",
  model: "",
  object: "",
});

/**
 * A reply from a deployment with every optional filter model on in annotate mode, custom
 * blocklists and groundedness detection (api-version 2024-10-01-preview and later): the prompt
 * trips a blocklist and an indirect attack, the completion matches public code and has an
 * ungrounded span. See https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter-annotations
 */
export const annotatedReply: JsonObject = frozen({
  choices: [
    {
      content_filter_results: {
        custom_blocklists: { filtered: false, details: [] },
        hate: safe,
        profanity: { filtered: false, detected: false },
        protected_material_code: {
          filtered: false,
          detected: true,
          citation: { URL: "https://github.com/octo-org/octo-repo/blob/main/src/sort.py", license: "MIT" },
        },
        protected_material_text: { filtered: false, detected: false },
        self_harm: safe,
        sexual: { filtered: false, severity: "low" },
        ungrounded_material: {
          filtered: false,
          detected: true,
          details: [{ completion_start_offset: 12, completion_end_offset: 57 }],
        },
        violence: { filtered: true, severity: "medium" },
      },
      finish_reason: "stop",
      index: 0,
      logprobs: null,
      message: { content: "def sort(xs):\n    return sorted(xs)", refusal: null, role: "assistant" },
    },
  ],
  created: 1730000000,
  id: "chatcmpl-AN7cT2kQm4rXw9ZpL0vB3sY8uE1dF",
  model: "gpt-4o-2024-08-06",
  object: "chat.completion",
  prompt_filter_results: [
    {
      prompt_index: 0,
      content_filter_results: {
        custom_blocklists: {
          filtered: true,
          details: [
            { filtered: true, id: "competitor-names" },
            { filtered: false, id: "internal-projects" },
          ],
        },
        hate: { filtered: false, severity: "high" },
        indirect_attack: { filtered: false, detected: true },
        jailbreak: { filtered: false, detected: false },
        profanity: { filtered: false, detected: true },
        self_harm: safe,
        sexual: safe,
        violence: safe,
      },
    },
  ],
  system_fingerprint: "fp_5f20662549",
  usage: { completion_tokens: 14, prompt_tokens: 31, total_tokens: 45 },
});

/** What Azure sends in place of verdicts when the filter could not check the content in time. */
export const filterErrorResults: JsonObject = frozen({
  error: { code: "content_filter_error", message: "The contents are not filtered" },
});
