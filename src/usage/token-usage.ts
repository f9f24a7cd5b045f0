import type { Usage } from "../../gen/tensorwall/v1/chat_pb.js";
import type { ModelPrice } from "./model-price.js";

/** Token counts of one request, as Azure bills them. */
export interface TokenUsage {
  readonly promptTokens: number;
  /** Part of promptTokens served from the prompt cache. */
  readonly cachedTokens: number;
  readonly completionTokens: number;
  /** Part of completionTokens spent on reasoning. */
  readonly reasoningTokens: number;
}

export const NO_USAGE: TokenUsage = { promptTokens: 0, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0 };

export function tokenUsageFromMessage(usage: Usage): TokenUsage {
  return {
    promptTokens: usage.promptTokens,
    cachedTokens: usage.promptTokensDetails?.cachedTokens ?? 0,
    completionTokens: usage.completionTokens,
    reasoningTokens: usage.completionTokensDetails?.reasoningTokens ?? 0,
  };
}

/**
 * The exact cost in nano-dollars. Cached tokens are part of the prompt tokens and billed at the
 * cached rate instead of the input rate; reasoning tokens are part of the completion tokens and
 * billed as output.
 */
export function costOf(usage: TokenUsage, price: ModelPrice): bigint {
  const cached = BigInt(Math.min(usage.cachedTokens, usage.promptTokens));
  const uncached = BigInt(usage.promptTokens) - cached;
  return (
    uncached * price.inputNanoUsdPerToken +
    cached * price.cachedInputNanoUsdPerToken +
    BigInt(usage.completionTokens) * price.outputNanoUsdPerToken
  );
}
