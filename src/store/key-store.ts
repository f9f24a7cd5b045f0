import type { KeyRecord } from "./key-record.js";

/** A key record together with the hash its secret must match, and which of its secrets matched. */
export interface StoredKey {
  readonly record: KeyRecord;
  readonly secretHash: Uint8Array;
  /** "previous" means the secret replaced by the last rotation; it is valid only during the grace period. */
  readonly matched: "current" | "previous";
}

export interface ListKeysOptions {
  /** Include revoked keys. Default false. */
  readonly includeRevoked?: boolean;
}

/**
 * Persistence for gateway keys and gateway settings. Kept narrow and Promise-returning so a
 * networked store (PostgreSQL) can implement it without changing callers.
 */
export interface KeyStore {
  /** Fails if the id or the secret hash already exists. */
  insertKey(record: KeyRecord, secretHash: Uint8Array): Promise<void>;
  /** Finds the key whose current or previous secret has this hash. */
  findKeyBySecretHash(secretHash: Uint8Array): Promise<StoredKey | undefined>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  /** Oldest first. */
  listKeys(options?: ListKeysOptions): Promise<KeyRecord[]>;
  /**
   * Marks the key revoked at `revokedAtMs` unless it already is, so the first revocation time
   * sticks. Resolves to the record as stored afterwards, or undefined for an unknown id.
   */
  revokeKey(id: string, revokedAtMs: number): Promise<KeyRecord | undefined>;
  /**
   * Gives an unrevoked key a new secret. The current secret becomes the previous one, valid until
   * `previousSecretExpiresAtMs`, or is dropped at once when that is undefined; an older previous
   * secret is dropped either way. Resolves to the record as stored afterwards (unchanged if the key
   * is revoked), or undefined for an unknown id.
   */
  rotateKeySecret(
    id: string,
    newSecretHash: Uint8Array,
    previousSecretExpiresAtMs: number | undefined,
  ): Promise<KeyRecord | undefined>;
  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;
  /**
   * Stores `value` only if the setting is absent, and resolves to whichever value is stored
   * afterwards. Two processes initialising the same setting at once thus agree on one value.
   */
  setSettingIfAbsent(name: string, value: string): Promise<string>;
  /**
   * A number that grows whenever a gateway key may have changed, by this process or by another one
   * sharing the store, or undefined while such changes cannot be followed. An answer of
   * findKeyBySecretHash stays true while this stays the same, so a cache can keep it until then.
   * A write through this store moves it before the write resolves; a write elsewhere as soon as
   * the store can tell (see each store). Synchronous and cheap: it is read on every request.
   */
  keyGeneration(): number | undefined;
  close(): Promise<void>;
}
