import { parseDecimal } from "./money.js";

/**
 * What one token costs, in nano-dollars. Numerically this is the price per million tokens in
 * thousandths of a dollar: $2.50 per 1M tokens is 2 500 nano-dollars per token.
 */
export interface ModelPrice {
  readonly inputNanoUsdPerToken: bigint;
  /** Prompt tokens Azure served from its prompt cache. */
  readonly cachedInputNanoUsdPerToken: bigint;
  /** Completion tokens, reasoning tokens included. */
  readonly outputNanoUsdPerToken: bigint;
}

/** Prices per million tokens as decimal dollar strings, as price lists and config files state them. */
export interface PricePerMillionTokens {
  readonly input: string;
  /** Default: the input price (models without prompt caching bill cached tokens as input). */
  readonly cachedInput?: string;
  readonly output: string;
}

/**
 * Turns dollars per million tokens into a ModelPrice. Prices may have up to three decimal places
 * (a tenth of a cent per million tokens), which keeps every cost a whole number of nano-dollars.
 * Throws a RangeError naming the part at fault.
 */
export function modelPrice(perMillion: PricePerMillionTokens): ModelPrice {
  const parse = (part: string, text: string): bigint => {
    try {
      return parseDecimal(text, 3);
    } catch (error) {
      throw new RangeError(`${part} price: ${(error as Error).message} (at most 3 decimal places, in dollars per 1M tokens)`);
    }
  };
  const input = parse("input", perMillion.input);
  return {
    inputNanoUsdPerToken: input,
    cachedInputNanoUsdPerToken: perMillion.cachedInput === undefined ? input : parse("cached input", perMillion.cachedInput),
    outputNanoUsdPerToken: parse("output", perMillion.output),
  };
}

/** The most any of these prices could charge per token of each kind; undefined if any price is unknown. */
export function ceilingPrice(prices: readonly (ModelPrice | undefined)[]): ModelPrice | undefined {
  let ceiling: ModelPrice = { inputNanoUsdPerToken: 0n, cachedInputNanoUsdPerToken: 0n, outputNanoUsdPerToken: 0n };
  for (const price of prices) {
    if (price === undefined) return undefined;
    ceiling = {
      inputNanoUsdPerToken: max(ceiling.inputNanoUsdPerToken, price.inputNanoUsdPerToken),
      cachedInputNanoUsdPerToken: max(ceiling.cachedInputNanoUsdPerToken, price.cachedInputNanoUsdPerToken),
      outputNanoUsdPerToken: max(ceiling.outputNanoUsdPerToken, price.outputNanoUsdPerToken),
    };
  }
  return ceiling;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
