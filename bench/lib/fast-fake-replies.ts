import {
  chatCompletion,
  completionIdentity,
  streamChunks,
  type JsonRecord,
} from "../../test/support/fake-azure-replies.js";

/** Data events (without `[DONE]`) of the streamed reply the streaming legs measure. */
export const STREAM_EVENTS = 200;

/** The content of the non-streamed reply, which every unary leg checks. */
export const COMPLETION_CONTENT = "Hello from gpt-4o";

/**
 * Every reply of the bench's fake Azure, serialised once at start-up so answering costs no JSON
 * work. The shapes come from the test suite's fake (test/support/fake-azure-replies.ts), so the
 * bench and the tests agree on Azure's wire format.
 */
export interface FastFakeReplies {
  /** A non-streamed chat.completion with content-filter results and usage. */
  readonly completion: Buffer;
  /** The 200-event stream's first event: Azure's prompt-filter chunk (empty id, model and choices). */
  readonly streamFirst: Buffer;
  /** The other 199 events (role, 196 content chunks with content_filter_results, finish, usage) and `[DONE]`. */
  readonly streamRest: Buffer;
  /** A held stream's opening: prompt-filter and role chunks. */
  readonly heldHead: Buffer;
  /** One content chunk, sent to every held stream on each tick. */
  readonly heldTick: Buffer;
  /** A held stream's end: finish and usage chunks, then `[DONE]`. */
  readonly heldTail: Buffer;
}

const REQUEST: JsonRecord = {
  messages: [{ role: "user", content: "Hello!" }],
  stream_options: { include_usage: true },
};

export function buildFastFakeReplies(): FastFakeReplies {
  const identity = completionIdentity("gpt-4o");
  const completion = chatCompletion(identity, { kind: "text", pieces: [COMPLETION_CONTENT] }, REQUEST);
  // prompt-filter + role + pieces + finish + usage = STREAM_EVENTS
  const pieces = Array.from({ length: STREAM_EVENTS - 4 }, (_, i) => ` word${i}`);
  const stream = streamChunks(identity, { kind: "text", pieces }, REQUEST);
  if (stream.length !== STREAM_EVENTS) throw new Error(`expected ${STREAM_EVENTS} stream events, built ${stream.length}`);
  const held = streamChunks(identity, { kind: "text", pieces: [" tick"] }, REQUEST);
  return {
    completion: Buffer.from(JSON.stringify(completion)),
    streamFirst: events(stream.slice(0, 1)),
    streamRest: Buffer.concat([events(stream.slice(1)), DONE]),
    heldHead: events(held.slice(0, 2)),
    heldTick: events(held.slice(2, 3)),
    heldTail: Buffer.concat([events(held.slice(3)), DONE]),
  };
}

const DONE = Buffer.from("data: [DONE]\n\n");

function events(chunks: readonly JsonRecord[]): Buffer {
  return Buffer.from(chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join(""));
}
