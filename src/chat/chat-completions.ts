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
import type { ChatCall } from "./chat-call.js";
import { validateChatRequest } from "./validate-chat-request.js";

/** An open completion stream: where it is served from, and its chunks as Azure sends them. */
export interface ChatStream {
  readonly servedBy: ServedBy;
  readonly chunks: AsyncIterable<StreamChatCompletionResponse>;
}

/**
 * The one implementation of chat completions. The RPC handlers and the REST bridge both translate
 * their protocol into these calls.
 */
export class ChatCompletions {
  readonly #pool: DeploymentPool;
  readonly #startedAtSeconds = BigInt(Math.floor(Date.now() / 1000));

  constructor(pool: DeploymentPool) {
    this.#pool = pool;
  }

  async create(request: CreateChatCompletionRequest, call: ChatCall): Promise<CreateChatCompletionResponse> {
    this.#admit(request, call);
    const reply = await this.#pool.complete(request.model, chatRequestToJson(request), call);
    const response = chatResponseFromJson(reply.value);
    response.servedBy = servedByMessage(reply.servedBy);
    return response;
  }

  /** Resolves once Azure has accepted the stream, so failures before it are ordinary errors. */
  async openStream(request: CreateChatCompletionRequest, call: ChatCall): Promise<ChatStream> {
    this.#admit(request, call);
    const body = chatRequestToJson(request);
    body.stream = true;
    // Usage is always asked of Azure so the gateway can account for the stream; callers that did
    // not ask for it do not see the extra chunk.
    body.stream_options = { ...(body.stream_options as JsonObject | undefined), include_usage: true };
    const reply = await this.#pool.openStream(request.model, body, call);
    const servedBy = servedByMessage(reply.servedBy);
    const callerWantsUsage = request.streamOptions?.includeUsage === true;
    return { servedBy, chunks: relayChunks(reply.value, servedBy, callerWantsUsage) };
  }

  listModels(): ListModelsResponse {
    return create(ListModelsResponseSchema, {
      models: this.#pool.modelNames().map((id) => ({ id, created: this.#startedAtSeconds, ownedBy: "tensorwall" })),
    });
  }

  #admit(request: CreateChatCompletionRequest, call: ChatCall): void {
    validateChatRequest(request);
    authorizeModel(call.principal, request.model);
  }
}

async function* relayChunks(
  upstream: AsyncIterable<JsonObject>,
  servedBy: ServedBy,
  callerWantsUsage: boolean,
): AsyncGenerator<StreamChatCompletionResponse> {
  let first = true;
  for await (const json of upstream) {
    const chunk = chatChunkFromJson(json);
    if (!callerWantsUsage && chunk.usage !== undefined && chunk.choices.length === 0) continue;
    if (first) {
      chunk.servedBy = servedBy;
      first = false;
    }
    yield chunk;
  }
}

function servedByMessage(servedBy: PoolServedBy): ServedBy {
  return create(ServedBySchema, servedBy);
}
