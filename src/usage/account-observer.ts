import type { UsageRecord } from "../store/index.js";

/**
 * Follows one request's account, for logs and metrics: told when it opens and, once, of the ledger
 * record it finished with, however the request ended.
 */
export interface AccountObserver {
  accountOpened(): void;
  accountRecorded(record: UsageRecord): void;
}
