import type { CreateChatCompletionRequest } from "../../gen/tensorwall/v1/chat_pb.js";
import { toGatewayError } from "../errors/index.js";
import type { Principal } from "../keys/index.js";
import type { ServedBy } from "../pool/index.js";
import type { UsageRecord } from "../store/index.js";
import type { AccountObserver } from "./account-observer.js";
import type { AdmissionDecision, Admission, KeyGovernor, RequestEstimate } from "./key-governor.js";
import { ceilingPrice } from "./model-price.js";
import type { PricedDeployment, Pricing } from "./pricing.js";
import { estimateCompletionTokens, estimateTokens, type TokenEstimate } from "./token-estimate.js";
import { costOf, NO_USAGE, type TokenUsage } from "./token-usage.js";
import { timeOrderedUuid } from "./time-ordered-uuid.js";

/**
 * The deployments that could serve a requested model (empty when none can); `callerEndpoint` says
 * the caller named its own endpoint (X-Azure-Endpoint).
 */
export type CandidateDeployments = (requestedModel: string, callerEndpoint: boolean) => readonly PricedDeployment[];

/** How one request arrived. */
export interface AccountedRequest {
  readonly principal: Principal;
  readonly request: CreateChatCompletionRequest;
  readonly streamed: boolean;
  /** The caller sent X-Azure-Endpoint. */
  readonly callerEndpoint: boolean;
  /** Told of the account's record too, for logs and metrics. */
  readonly observer?: AccountObserver | undefined;
}

/** What every account of one gateway shares. */
export interface AccountingServices {
  readonly governor: KeyGovernor;
  readonly pricing: Pricing;
  /** The deployments that could serve a requested model, to price a request before it is sent. */
  readonly candidates: CandidateDeployments;
  readonly record: (record: UsageRecord) => void;
  readonly clock: () => number;
  /** Called once when the account is finished. */
  readonly finished: () => void;
}

/**
 * One request's accounting, from arrival to its ledger record: admission against the key's limits,
 * where it was served, when the first byte came, and its usage and cost. Finishing it (succeed,
 * fail or cancel) records it once and settles its limits; later calls change nothing.
 */
export class RequestAccount {
  readonly requestId: string;
  readonly #services: AccountingServices;
  readonly #principal: Principal;
  readonly #requestedModel: string;
  /** Until a stream has begun: then only its token estimate is kept, not its prompt. */
  #request: CreateChatCompletionRequest | undefined;
  readonly #streamed: boolean;
  readonly #callerEndpoint: boolean;
  readonly #observer: AccountObserver | undefined;
  readonly #startedAtMs: number;
  #estimate: TokenEstimate | undefined;
  #admission: Admission | undefined;
  #servedBy: ServedBy | undefined;
  #sent = false;
  #firstByteAtMs: number | undefined;
  #streamedChars = 0;
  #finished = false;

  constructor(services: AccountingServices, arrived: AccountedRequest) {
    this.#services = services;
    this.#principal = arrived.principal;
    this.#requestedModel = arrived.request.model;
    this.#request = arrived.request;
    this.#streamed = arrived.streamed;
    this.#callerEndpoint = arrived.callerEndpoint;
    this.#observer = arrived.observer;
    this.#startedAtMs = services.clock();
    // Time-ordered: it is the ledger's primary key (see timeOrderedUuid).
    this.requestId = timeOrderedUuid(this.#startedAtMs);
    this.#observer?.accountOpened();
  }

  async admit(): Promise<AdmissionDecision> {
    const decision = await this.#services.governor.admit(this.#principal, this.requestId, () => this.#requestEstimate());
    if (decision.admitted) this.#admission = decision.admission;
    return decision;
  }

  /** The request is being sent upstream. */
  sent(): void {
    this.#sent = true;
  }

  served(servedBy: ServedBy): void {
    this.#servedBy = servedBy;
  }

  firstByte(): void {
    this.#firstByteAtMs ??= this.#services.clock();
    if (this.#streamed && this.#request !== undefined) {
      // A stream may stay open for minutes: keep the estimate its usage may need, not the prompt.
      this.#tokenEstimate();
      this.#request = undefined;
    }
  }

  /** Counts streamed answer text, to estimate usage if the stream ends without Azure's usage chunk. */
  streamedText(chars: number): void {
    this.#streamedChars += chars;
  }

  /** Finished with an answer; without Azure's usage, the usage is estimated. */
  succeed(usage: TokenUsage | undefined): void {
    this.#finish("ok", usage);
  }

  fail(error: unknown): void {
    this.#finish(toGatewayError(error).code, undefined);
  }

  cancel(): void {
    this.#finish("request_canceled", undefined);
  }

  #finish(status: string, reported: TokenUsage | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    // Azure bills a stream that broke off for what it produced; without its usage, estimate that.
    const estimated = reported === undefined && this.#firstByteAtMs !== undefined && this.#streamed;
    const usage = reported ?? (estimated ? this.#estimatedUsage() : NO_USAGE);
    const servedBy = this.#servedBy;
    const price = servedBy === undefined ? undefined : this.#services.pricing.priceOf(servedBy);
    const costNanoUsd = price === undefined ? 0n : costOf(usage, price);
    const nowMs = this.#services.clock();
    const record: UsageRecord = {
      requestId: this.requestId,
      startedAtMs: this.#startedAtMs,
      keyId: this.#principal.keyId,
      route: servedBy?.route ?? this.#requestedModel,
      endpoint: servedBy?.endpoint ?? "",
      deployment: servedBy?.deployment ?? "",
      region: servedBy?.region ?? "",
      model: servedBy?.model ?? "",
      streamed: this.#streamed,
      status,
      promptTokens: usage.promptTokens,
      cachedTokens: usage.cachedTokens,
      completionTokens: usage.completionTokens,
      reasoningTokens: usage.reasoningTokens,
      usageEstimated: estimated,
      costNanoUsd,
      latencyMs: nowMs - this.#startedAtMs,
      ttfbMs: this.#firstByteAtMs === undefined ? undefined : this.#firstByteAtMs - this.#startedAtMs,
      attempts: servedBy?.attempts ?? (this.#sent ? 1 : 0),
    };
    this.#services.record(record);
    if (this.#admission !== undefined) {
      this.#services.governor.settle(this.#admission, { tokens: usage.promptTokens + usage.completionTokens, costNanoUsd });
    }
    this.#services.finished();
    this.#observer?.accountRecorded(record);
  }

  #tokenEstimate(): TokenEstimate {
    // The request is let go only once the estimate is made (firstByte).
    this.#estimate ??= estimateTokens(this.#request!);
    return this.#estimate;
  }

  #requestEstimate(): RequestEstimate {
    const tokens = this.#tokenEstimate();
    const candidates = this.#services.candidates(this.#requestedModel, this.#callerEndpoint);
    // No deployment can serve it: the pool will refuse it, and nothing will be billed.
    if (candidates.length === 0) return { tokens: tokens.promptTokens + tokens.completionTokens, costNanoUsd: 0n };
    const price = ceilingPrice(candidates.map((candidate) => this.#services.pricing.priceOf(candidate)));
    return {
      tokens: tokens.promptTokens + tokens.completionTokens,
      costNanoUsd:
        price === undefined
          ? undefined
          : BigInt(tokens.promptTokens) * price.inputNanoUsdPerToken + BigInt(tokens.completionTokens) * price.outputNanoUsdPerToken,
    };
  }

  #estimatedUsage(): TokenUsage {
    return {
      promptTokens: this.#tokenEstimate().promptTokens,
      cachedTokens: 0,
      completionTokens: estimateCompletionTokens(this.#streamedChars),
      reasoningTokens: 0,
    };
  }
}
