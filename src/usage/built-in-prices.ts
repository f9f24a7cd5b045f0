import { modelPrice, type ModelPrice, type PricePerMillionTokens } from "./model-price.js";

/**
 * Pay-as-you-go prices in US dollars per million tokens, keyed by the exact model name a deployment
 * declares. Sources: the table (gpt-4o, gpt-4o-mini, gpt-4-turbo, gpt-4, gpt-35-turbo), and
 * for the rest OpenAI's API pricing page (platform.openai.com/docs/pricing), which Azure OpenAI's
 * Global Standard deployments match (azure.microsoft.com/pricing/details/cognitive-services/openai-service).
 * Regional and Data Zone deployments cost somewhat more and provisioned (PTU) deployments bill by
 * the hour: give those deployments a pricing override. A model without cached pricing bills cached
 * tokens as input.
 *
 * Names are matched exactly, never by prefix: "gpt-4" must not price "gpt-4o", and the first gpt-4o
 * snapshot (2024-05-13) is priced differently from "gpt-4o".
 */
const PRICES_PER_MILLION: Readonly<Record<string, PricePerMillionTokens>> = {
  "gpt-4o": { input: "2.50", cachedInput: "1.25", output: "10.00" },
  "gpt-4o-2024-11-20": { input: "2.50", cachedInput: "1.25", output: "10.00" },
  "gpt-4o-2024-08-06": { input: "2.50", cachedInput: "1.25", output: "10.00" },
  "gpt-4o-2024-05-13": { input: "5.00", output: "15.00" },
  "gpt-4o-mini": { input: "0.15", cachedInput: "0.075", output: "0.60" },
  "gpt-4o-mini-2024-07-18": { input: "0.15", cachedInput: "0.075", output: "0.60" },
  "gpt-4-turbo": { input: "10.00", output: "30.00" },
  "gpt-4": { input: "30.00", output: "60.00" },
  "gpt-4-32k": { input: "60.00", output: "120.00" },
  "gpt-35-turbo": { input: "0.50", output: "1.50" },
  "gpt-4.1": { input: "2.00", cachedInput: "0.50", output: "8.00" },
  "gpt-4.1-mini": { input: "0.40", cachedInput: "0.10", output: "1.60" },
  "gpt-4.1-nano": { input: "0.10", cachedInput: "0.025", output: "0.40" },
  "gpt-5": { input: "1.25", cachedInput: "0.125", output: "10.00" },
  "gpt-5-chat": { input: "1.25", cachedInput: "0.125", output: "10.00" },
  "gpt-5-mini": { input: "0.25", cachedInput: "0.025", output: "2.00" },
  "gpt-5-nano": { input: "0.05", cachedInput: "0.005", output: "0.40" },
  o1: { input: "15.00", cachedInput: "7.50", output: "60.00" },
  "o1-mini": { input: "1.10", cachedInput: "0.55", output: "4.40" },
  o3: { input: "2.00", cachedInput: "0.50", output: "8.00" },
  "o3-mini": { input: "1.10", cachedInput: "0.55", output: "4.40" },
  "o4-mini": { input: "1.10", cachedInput: "0.275", output: "4.40" },
};

export const BUILT_IN_PRICES: ReadonlyMap<string, ModelPrice> = new Map(
  Object.entries(PRICES_PER_MILLION).map(([model, perMillion]) => [model, modelPrice(perMillion)]),
);
