import type { KeyGovernor } from "./key-governor.js";
import type { Pricing } from "./pricing.js";
import { RequestAccount, type AccountedRequest, type AccountingServices, type CandidateDeployments } from "./request-account.js";
import type { UsageLedger } from "./usage-ledger.js";

export interface UsageAccountingOptions {
  readonly ledger: UsageLedger;
  readonly governor: KeyGovernor;
  readonly pricing: Pricing;
  /** So a budget can reserve the most a request could cost before the pool picks a deployment. */
  readonly candidates: CandidateDeployments;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}

/** Opens an account per request and, at shutdown, makes sure every account reaches the ledger. */
export class UsageAccounting {
  readonly #ledger: UsageLedger;
  readonly #governor: KeyGovernor;
  readonly #services: AccountingServices;
  #open = 0;
  #idle: (() => void) | undefined;

  constructor(options: UsageAccountingOptions) {
    this.#ledger = options.ledger;
    this.#governor = options.governor;
    this.#services = {
      governor: options.governor,
      pricing: options.pricing,
      candidates: options.candidates,
      record: (record) => options.ledger.record(record),
      clock: options.clock,
      finished: () => {
        this.#open -= 1;
        if (this.#open === 0) this.#idle?.();
      },
    };
  }

  open(arrived: AccountedRequest): RequestAccount {
    this.#open += 1;
    return new RequestAccount(this.#services, arrived);
  }

  /**
   * For shutdown, after the server stopped: waits up to `maxWaitMs` for open accounts (streams being
   * torn down finish theirs a moment later), then for settlements, then writes the ledger.
   */
  async close(maxWaitMs: number): Promise<void> {
    if (this.#open > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.#governor.drain();
    await this.#ledger.close();
  }
}
