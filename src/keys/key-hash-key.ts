import { randomBytes } from "node:crypto";
import type { KeyStore } from "../store/index.js";

/** The settings entry that holds the generated HMAC key (base64url of 32 bytes). */
export const KEY_HASH_KEY_SETTING = "keys.hash_key";

/**
 * Shortest TENSORWALL_KEY_HASH_SECRET accepted. An HMAC key much shorter than the hash output
 * would be the weakest link of the scheme.
 */
export const MIN_KEY_HASH_SECRET_LENGTH = 32;

/**
 * The HMAC key for gateway key secrets: the operator's secret if configured, else one generated on
 * first start and kept in the store, so keys issued earlier keep verifying after a restart.
 */
export async function resolveKeyHashKey(store: KeyStore, hashSecret?: string): Promise<Buffer> {
  if (hashSecret !== undefined) {
    assertKeyHashSecret(hashSecret);
    return Buffer.from(hashSecret, "utf8");
  }
  const existing = await store.getSetting(KEY_HASH_KEY_SETTING);
  const stored =
    existing ??
    (await store.setSettingIfAbsent(KEY_HASH_KEY_SETTING, randomBytes(32).toString("base64url")));
  const key = Buffer.from(stored, "base64url");
  if (key.length !== 32) {
    throw new Error(
      `The stored setting ${KEY_HASH_KEY_SETTING} is not base64url of 32 bytes; the database may be damaged.`,
    );
  }
  return key;
}

/** Throws a plain Error naming the setting, for start-up. */
export function assertKeyHashSecret(hashSecret: string): void {
  if (hashSecret.length < MIN_KEY_HASH_SECRET_LENGTH) {
    throw new Error(
      `TENSORWALL_KEY_HASH_SECRET must be at least ${MIN_KEY_HASH_SECRET_LENGTH} characters (for example 32 random bytes as hex or base64); leave it unset to have one generated and kept in the database.`,
    );
  }
}
