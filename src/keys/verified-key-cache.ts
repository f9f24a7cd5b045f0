export interface VerifiedKeyCacheOptions {
  /** Most secrets remembered at once; the oldest is forgotten first. Default 10_000. */
  readonly maxEntries?: number;
  /** How long an answer is trusted even though the store's key generation has not moved, in ms. Default 5000. */
  readonly maxAgeMs?: number;
}

interface Entry<V> {
  readonly value: V;
  readonly storedAtMs: number;
}

export const DEFAULT_VERIFIED_KEY_CACHE_ENTRIES = 10_000;
export const DEFAULT_VERIFIED_KEY_CACHE_AGE_MS = 5000;

/**
 * What the store said about recently presented secrets, for the store's current key generation
 * (KeyStore.keyGeneration). An answer is good only while the generation is unchanged and for at
 * most maxAgeMs; the first sight of a newer generation forgets everything.
 *
 * Keyed by the secret itself rather than its HMAC, so a hit costs no hashing either: a secret the
 * process holds here for a few seconds is no more exposed than the request headers that carried it.
 * Only keys that authenticated are remembered, so guessing cannot fill the cache.
 */
export class VerifiedKeyCache<V> {
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  readonly #entries = new Map<string, Entry<V>>();
  #generation: number | undefined;

  constructor(options: VerifiedKeyCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_VERIFIED_KEY_CACHE_ENTRIES;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_VERIFIED_KEY_CACHE_AGE_MS;
  }

  /** How many answers are held, fresh or not. */
  get size(): number {
    return this.#entries.size;
  }

  get(secret: string, generation: number, nowMs: number): V | undefined {
    this.#follow(generation);
    if (generation !== this.#generation) return undefined;
    const entry = this.#entries.get(secret);
    if (entry === undefined) return undefined;
    // A clock that went back is as suspect as one that went far forward.
    const ageMs = nowMs - entry.storedAtMs;
    if (ageMs >= 0 && ageMs < this.#maxAgeMs) return entry.value;
    this.#entries.delete(secret);
    return undefined;
  }

  /** Remembers the store's answer, given the generation read before the store was asked. */
  set(secret: string, value: V, generation: number, nowMs: number): void {
    this.#follow(generation);
    // The store changed while it was being asked: the answer may already be stale.
    if (generation !== this.#generation) return;
    this.#entries.delete(secret);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(secret, { value, storedAtMs: nowMs });
  }

  // Generations only move forward, so the first sight of a newer one makes every entry stale.
  #follow(generation: number): void {
    if (this.#generation === undefined || generation > this.#generation) {
      if (this.#generation !== undefined) this.#entries.clear();
      this.#generation = generation;
    }
  }
}
