import { describe, expect, it } from "vitest";
import { BUILT_IN_PRICES, costOf, deploymentPriceOverrides, formatUsd, modelPrice, Pricing, type ModelPrice } from "../../src/usage/index.js";

function price(model: string): ModelPrice {
  const found = BUILT_IN_PRICES.get(model);
  if (found === undefined) throw new Error(`no built-in price for ${model}`);
  return found;
}

describe("cost", () => {
  it("prices the issue's table per million tokens", () => {
    const million = { promptTokens: 1_000_000, cachedTokens: 0, completionTokens: 1_000_000, reasoningTokens: 0 };
    expect(formatUsd(costOf(million, price("gpt-4o")))).toBe("12.50");
    expect(formatUsd(costOf(million, price("gpt-4o-mini")))).toBe("0.75");
    expect(formatUsd(costOf(million, price("gpt-4-turbo")))).toBe("40.00");
    expect(formatUsd(costOf(million, price("gpt-4")))).toBe("90.00");
    expect(formatUsd(costOf(million, price("gpt-35-turbo")))).toBe("2.00");
  });

  it("bills cached prompt tokens at the cached rate and reasoning tokens as output", () => {
    // gpt-4o-mini: 1 000 uncached × $0.15/M + 3 000 cached × $0.075/M + 500 completion × $0.60/M.
    const usage = { promptTokens: 4_000, cachedTokens: 3_000, completionTokens: 500, reasoningTokens: 200 };
    expect(costOf(usage, price("gpt-4o-mini"))).toBe(150_000n + 225_000n + 300_000n);
    expect(formatUsd(costOf(usage, price("gpt-4o-mini")))).toBe("0.000675");
  });

  it("bills cached tokens as input for models without cached pricing", () => {
    const usage = { promptTokens: 10, cachedTokens: 10, completionTokens: 0, reasoningTokens: 0 };
    expect(costOf(usage, price("gpt-4"))).toBe(costOf({ ...usage, cachedTokens: 0 }, price("gpt-4")));
  });

  it("adds up without drift where floats would: 3 × $0.10 per token-million is $0.30", () => {
    const tenth = modelPrice({ input: "0.10", output: "0.10" });
    let total = 0n;
    for (let i = 0; i < 3; i += 1) total += costOf({ promptTokens: 1_000_000, cachedTokens: 0, completionTokens: 0, reasoningTokens: 0 }, tenth);
    expect(formatUsd(total)).toBe("0.30");
  });

  it("refuses prices finer than a tenth of a cent per million tokens", () => {
    expect(() => modelPrice({ input: "0.0001", output: "1" })).toThrow(/input price.*3 decimal places/);
    expect(modelPrice({ input: "0.075", output: "1" }).inputNanoUsdPerToken).toBe(75n);
  });
});

describe("Pricing", () => {
  it("matches the declared model exactly, never by prefix", () => {
    const pricing = new Pricing();
    const at = (model: string) => pricing.priceOf({ endpoint: "e", deployment: "d", model });
    expect(at("gpt-4")).toEqual(price("gpt-4"));
    expect(at("gpt-4o")).toEqual(price("gpt-4o"));
    expect(at("gpt-4o")).not.toEqual(at("gpt-4"));
    expect(at("gpt-4o-2024-05-13")).not.toEqual(at("gpt-4o"));
    expect(at("gpt-4-0613")).toBeUndefined();
    expect(at("GPT-4o")).toBeUndefined();
    expect(at("gpt-4o-mini-custom")).toBeUndefined();
  });

  it("lets a deployment's override win over its model's price", () => {
    const free = modelPrice({ input: "0", output: "0" });
    const pricing = new Pricing({ deploymentOverrides: new Map([["eastus/gpt4o-ptu", free]]) });
    expect(pricing.priceOf({ endpoint: "eastus", deployment: "gpt4o-ptu", model: "gpt-4o" })).toEqual(free);
    expect(pricing.priceOf({ endpoint: "westeu", deployment: "gpt4o-ptu", model: "gpt-4o" })).toEqual(price("gpt-4o"));
  });
});

describe("deploymentPriceOverrides", () => {
  it("keys the config file's per-deployment prices by deployment id", () => {
    const overrides = deploymentPriceOverrides([
      {
        deployments: [
          { endpoint: "eastus", deployment: "gpt4o-ptu", pricing: { input: "0", cachedInput: "0", output: "0" } },
          { endpoint: "westeu", deployment: "gpt4o" },
        ],
      },
    ]);
    expect([...overrides]).toEqual([["eastus/gpt4o-ptu", { inputNanoUsdPerToken: 0n, cachedInputNanoUsdPerToken: 0n, outputNanoUsdPerToken: 0n }]]);
  });
});
