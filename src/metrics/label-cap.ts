/** What a label reads once it has seen as many distinct values as it may keep. */
export const OVERFLOW_LABEL_VALUE = "other";

/**
 * Keeps a label's distinct values bounded. Callers influence some label values (the model they ask
 * for, a deployment on their own endpoint); each new value would be a new time series forever, so
 * after `maxValues` distinct ones every further value reads "other". Values seen before keep
 * reading as themselves.
 */
export class LabelCap {
  readonly #maxValues: number;
  readonly #seen = new Set<string>();

  constructor(maxValues: number) {
    this.#maxValues = maxValues;
  }

  value(raw: string): string {
    if (this.#seen.has(raw)) return raw;
    if (this.#seen.size >= this.#maxValues) return OVERFLOW_LABEL_VALUE;
    this.#seen.add(raw);
    return raw;
  }
}
