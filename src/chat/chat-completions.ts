import { create, type JsonObject } from "@bufbuild/protobuf";
import type {
  CreateChatCompletionRequest,
  CreateChatCompletionResponse,
  ListModelsResponse,
  StreamChatCompletionResponse,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { ListModelsResponseSchema, ServedBySchema, type ServedBy } from "../../gen/tensorwall/v1/chat_pb.js";
import { authorizeModel } from "../keys/index.js";
import { chatChunkFromJson, chatRequestToJson, chatResponseFromJson } from "../openai-json/index.js";
import type { DeploymentPool, ServedBy as PoolServedBy } from "../pool/index.js";
import { tokenUsageFromMessage, type RequestAccount, type TokenUsage, type UsageAccounting } from "../usage/index.js";
import type { ChatCall } from "./chat-call.js";
import { validateChatRequest } from "./validate-chat-request.js";

/** An open completion stream: where it is served from, and its chunks as Azure sends them. */
export interface ChatStream {
  readonly servedBy: ServedBy;
  readonly chunks: AsyncIterable<StreamChatCompletionResponse>;
}

/**
 * Where a door puts response headers the chat core decides (the x-ratelimit-* family). They are
 * set before the call returns or throws, so they also reach error answers.
 */
export type ResponseHeaderSink = (name: string, value: string) => void;

const DISCARD_HEADERS: ResponseHeaderSink = () => {};

/**
 * The one implementation of chat completions. The RPC handlers and the REST bridge both translate
 * their protocol into these calls. Every call made with a valid key is accounted for: admitted
 * against the key's limits first, and recorded in the usage ledger however it ends.
 */
export class ChatCompletions {
  readonly #pool: DeploymentPool;
  readonly #accounting: UsageAccounting;
  readonly #startedAtSeconds = BigInt(Math.floor(Date.now() / 1000));

  constructor(pool: DeploymentPool, accounting: UsageAccounting) {
    this.#pool = pool;
    this.#accounting = accounting;
  }

  async create(
    request: CreateChatCompletionRequest,
    call: ChatCall,
    setHeader: ResponseHeaderSink = DISCARD_HEADERS,
  ): Promise<CreateChatCompletionResponse> {
    const account = this.#open(request, call, false);
    try {
      await this.#admit(request, call, account, setHeader);
      account.sent();
      const reply = await this.#pool.complete(request.model, chatRequestToJson(request), call);
      account.served(reply.servedBy);
      account.firstByte();
      const response = chatResponseFromJson(reply.value);
      response.servedBy = servedByMessage(reply.servedBy);
      account.succeed(response.usage === undefined ? undefined : tokenUsageFromMessage(response.usage));
      return response;
    } catch (error) {
      account.fail(error);
      throw error;
    }
  }

  /** Resolves once Azure has accepted the stream, so failures before it are ordinary errors. */
  async openStream(
    request: CreateChatCompletionRequest,
    call: ChatCall,
    setHeader: ResponseHeaderSink = DISCARD_HEADERS,
  ): Promise<ChatStream> {
    const account = this.#open(request, call, true);
    try {
      await this.#admit(request, call, account, setHeader);
      const body = chatRequestToJson(request);
      body.stream = true;
      // Usage is always asked of Azure so the gateway can account for the stream; callers that did
      // not ask for it do not see the extra chunk.
      body.stream_options = { ...(body.stream_options as JsonObject | undefined), include_usage: true };
      account.sent();
      const reply = await this.#pool.openStream(request.model, body, call);
      // The pool answers once the first chunk has arrived.
      account.served(reply.servedBy);
      account.firstByte();
      const servedBy = servedByMessage(reply.servedBy);
      const callerWantsUsage = request.streamOptions?.includeUsage === true;
      return { servedBy, chunks: relayChunks(reply.value, servedBy, callerWantsUsage, account) };
    } catch (error) {
      account.fail(error);
      throw error;
    }
  }

  listModels(): ListModelsResponse {
    return create(ListModelsResponseSchema, {
      models: this.#pool.modelNames().map((id) => ({ id, created: this.#startedAtSeconds, ownedBy: "tensorwall" })),
    });
  }

  #open(request: CreateChatCompletionRequest, call: ChatCall, streamed: boolean): RequestAccount {
    return this.#accounting.open({
      principal: call.principal,
      request,
      streamed,
      callerEndpoint: call.override?.endpointUrl !== undefined,
    });
  }

  async #admit(request: CreateChatCompletionRequest, call: ChatCall, account: RequestAccount, setHeader: ResponseHeaderSink): Promise<void> {
    validateChatRequest(request);
    authorizeModel(call.principal, request.model);
    const decision = await account.admit();
    for (const [name, value] of decision.headers) setHeader(name, value);
    if (!decision.admitted) throw decision.error;
  }
}

/**
 * Relays Azure's chunks and accounts for the stream when it ends: with the usage of Azure's final
 * chunk (taken before that chunk is hidden from callers who did not ask for usage), as failed if
 * upstream broke off, or as canceled if the caller stopped reading.
 */
async function* relayChunks(
  upstream: AsyncIterable<JsonObject>,
  servedBy: ServedBy,
  callerWantsUsage: boolean,
  account: RequestAccount,
): AsyncGenerator<StreamChatCompletionResponse> {
  let first = true;
  let usage: TokenUsage | undefined;
  try {
    for await (const json of upstream) {
      const chunk = chatChunkFromJson(json);
      if (chunk.usage !== undefined) usage = tokenUsageFromMessage(chunk.usage);
      for (const choice of chunk.choices) account.streamedText(deltaChars(choice.delta));
      if (!callerWantsUsage && chunk.usage !== undefined && chunk.choices.length === 0) continue;
      if (first) {
        chunk.servedBy = servedBy;
        first = false;
      }
      yield chunk;
    }
    account.succeed(usage);
  } catch (error) {
    account.fail(error);
    throw error;
  } finally {
    // Reached without succeed or fail only when the caller stopped reading; otherwise a no-op.
    account.cancel();
  }
}

function deltaChars(delta: StreamChatCompletionResponse["choices"][number]["delta"]): number {
  if (delta === undefined) return 0;
  let chars = (delta.content?.length ?? 0) + (delta.refusal?.length ?? 0);
  for (const call of delta.toolCalls) chars += call.function?.arguments?.length ?? 0;
  return chars;
}

function servedByMessage(servedBy: PoolServedBy): ServedBy {
  return create(ServedBySchema, servedBy);
}
