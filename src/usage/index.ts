export type { AccountObserver } from "./account-observer.js";
export { budgetPeriodAt, type PeriodBounds } from "./budget-period.js";
export { BUILT_IN_PRICES } from "./built-in-prices.js";
export { deploymentPriceOverrides, type RoutesWithPricing } from "./deployment-price-overrides.js";
export {
  KeyGovernor,
  type Admission,
  type AdmissionDecision,
  type KeyGovernorOptions,
  type RequestEstimate,
} from "./key-governor.js";
export { ceilingPrice, modelPrice, type ModelPrice, type PricePerMillionTokens } from "./model-price.js";
export { formatUsd, NANO_USD_PER_USD, parseDecimal, parseUsd } from "./money.js";
export { Pricing, type PricedDeployment, type PricingOptions } from "./pricing.js";
export { formatDuration, rateLimitHeaders } from "./rate-limit-headers.js";
export {
  RequestAccount,
  type AccountedRequest,
  type AccountingServices,
  type CandidateDeployments,
} from "./request-account.js";
export { routeCandidates } from "./route-candidates.js";
export {
  DEFAULT_MAX_COMPLETION_TOKENS,
  estimateCompletionTokens,
  estimateTokens,
  type TokenEstimate,
} from "./token-estimate.js";
export { timeOrderedUuid } from "./time-ordered-uuid.js";
export { costOf, NO_USAGE, tokenUsageFromMessage, type TokenUsage } from "./token-usage.js";
export { UsageAccounting, type UsageAccountingOptions } from "./usage-accounting.js";
export { UsageLedger, type UsageLedgerOptions } from "./usage-ledger.js";
