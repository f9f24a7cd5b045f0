import { create, type JsonObject } from "@bufbuild/protobuf";
import type {
  CreateChatCompletionRequest,
  CreateChatCompletionResponse,
  ListModelsResponse,
  StreamChatCompletionResponse,
} from "../../gen/tensorwall/v1/chat_pb.js";
import { ListModelsResponseSchema, type ServedBy } from "../../gen/tensorwall/v1/chat_pb.js";
import { GatewayError } from "../errors/index.js";
import { authorizeModel } from "../keys/index.js";
import type { RequestTelemetry } from "../observability/index.js";
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
      const body = chatRequestToJson(request);
      call.telemetry?.promptSent(body);
      account.sent();
      const reply = await this.#pool.complete(request.model, body, call);
      account.served(reply.servedBy);
      account.firstByte();
      call.telemetry?.completionReceived(reply.value);
      const response = chatResponseFromJson(reply.value);
      response.servedBy = servedByMessage(reply.servedBy);
      account.succeed(response.usage === undefined ? undefined : tokenUsageFromMessage(response.usage));
      return response;
    } catch (thrown) {
      const error = stoppedBy(call, thrown);
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
      call.telemetry?.promptSent(body);
      account.sent();
      const reply = await this.#pool.openStream(request.model, body, call);
      // The pool answers once the first chunk has arrived.
      account.served(reply.servedBy);
      account.firstByte();
      const servedBy = servedByMessage(reply.servedBy);
      const callerWantsUsage = request.streamOptions?.includeUsage === true;
      return { servedBy, chunks: new RelayedChunks(reply.value, servedBy, callerWantsUsage, account, call) };
    } catch (thrown) {
      const error = stoppedBy(call, thrown);
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
      observer: call.telemetry,
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

const DONE: IteratorResult<StreamChatCompletionResponse> = { done: true, value: undefined };

/**
 * Relays Azure's chunks and accounts for the stream when it ends: with the usage of Azure's final
 * chunk (taken before that chunk is hidden from callers who did not ask for usage), as failed if
 * upstream broke off, or as canceled if the caller stopped reading.
 *
 * Hand-written rather than an async generator: a chunk costs one `then` on the pool's read, and an
 * open stream holds this object and nothing else of its own.
 */
class RelayedChunks implements AsyncIterableIterator<StreamChatCompletionResponse> {
  readonly #upstream: AsyncIterator<JsonObject>;
  readonly #callerWantsUsage: boolean;
  readonly #account: RequestAccount;
  readonly #call: ChatCall;
  readonly #capture: RequestTelemetry | undefined;
  /** Stamped on the first chunk handed out, then dropped. */
  #servedBy: ServedBy | undefined;
  #usage: TokenUsage | undefined;
  #ended = false;
  readonly #onChunk = (
    next: IteratorResult<JsonObject>,
  ): IteratorResult<StreamChatCompletionResponse> | Promise<IteratorResult<StreamChatCompletionResponse>> => {
    if (this.#ended) return DONE;
    if (next.done === true) {
      this.#ended = true;
      this.#account.succeed(this.#usage);
      return DONE;
    }
    const chunk = chatChunkFromJson(next.value);
    if (chunk.usage !== undefined) this.#usage = tokenUsageFromMessage(chunk.usage);
    const capture = this.#capture;
    for (const choice of chunk.choices) {
      this.#account.streamedText(deltaChars(choice.delta));
      if (capture !== undefined && choice.delta?.content !== undefined) capture.completionDelta(choice.index, choice.delta.content);
    }
    if (!this.#callerWantsUsage && chunk.usage !== undefined && chunk.choices.length === 0) return this.next();
    if (this.#servedBy !== undefined) {
      chunk.servedBy = this.#servedBy;
      this.#servedBy = undefined;
    }
    return { done: false, value: chunk };
  };
  readonly #onFailure = (thrown: unknown): never => {
    const error = stoppedBy(this.#call, thrown);
    this.#ended = true;
    this.#account.fail(error);
    throw error;
  };

  constructor(upstream: AsyncIterable<JsonObject>, servedBy: ServedBy, callerWantsUsage: boolean, account: RequestAccount, call: ChatCall) {
    this.#upstream = upstream[Symbol.asyncIterator]();
    this.#servedBy = servedBy;
    this.#callerWantsUsage = callerWantsUsage;
    this.#account = account;
    this.#call = call;
    this.#capture = call.telemetry?.capturesContent === true ? call.telemetry : undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamChatCompletionResponse>> {
    if (this.#ended) return Promise.resolve(DONE);
    return this.#upstream.next().then(this.#onChunk, this.#onFailure);
  }

  /** The caller stopped reading: the stream is accounted as canceled and Azure's is let go. */
  async return(): Promise<IteratorResult<StreamChatCompletionResponse>> {
    if (!this.#ended) {
      this.#ended = true;
      this.#account.cancel();
      await this.#upstream.return?.();
    }
    return DONE;
  }

  /** The door could not deliver (Connect throws its write failure in): the stream fails with it. */
  async throw(thrown: unknown): Promise<IteratorResult<StreamChatCompletionResponse>> {
    const error = stoppedBy(this.#call, thrown);
    if (!this.#ended) {
      this.#ended = true;
      this.#account.fail(error);
      await this.#upstream.return?.();
    }
    throw error;
  }
}

function deltaChars(delta: StreamChatCompletionResponse["choices"][number]["delta"]): number {
  if (delta === undefined) return 0;
  let chars = (delta.content?.length ?? 0) + (delta.refusal?.length ?? 0);
  for (const call of delta.toolCalls) chars += call.function?.arguments?.length ?? 0;
  return chars;
}

/**
 * A request the gateway itself stopped (it is shutting down: the door aborts the call's signal
 * with a GatewayError) reports that error, not a cancellation the caller never made.
 */
function stoppedBy(call: ChatCall, error: unknown): unknown {
  const reason: unknown = call.signal.reason;
  const canceled = error instanceof GatewayError && error.code === "request_canceled";
  return canceled && call.signal.aborted && reason instanceof GatewayError ? reason : error;
}

/** A literal of every field, as the openai-json readers build messages: create() walks the schema each time. */
function servedByMessage(servedBy: PoolServedBy): ServedBy {
  return {
    $typeName: "tensorwall.v1.ServedBy",
    route: servedBy.route,
    deployment: servedBy.deployment,
    endpoint: servedBy.endpoint,
    region: servedBy.region,
    attempts: servedBy.attempts,
    model: servedBy.model,
  };
}
