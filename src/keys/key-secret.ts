import { createHmac, randomBytes } from "node:crypto";

export const KEY_SECRET_PREFIX = "gw_";

const SECRET_BYTES = 32;

/**
 * "gw_" and 43 base64url characters, the encoding of 32 bytes. Any 43 such characters are
 * accepted, not only canonical encodings, because the string itself is what gets hashed.
 */
export const KEY_SECRET_PATTERN = /^gw_[A-Za-z0-9_-]{43}$/;

/** A new secret with 256 bits from the OS CSPRNG. */
export function generateKeySecret(): string {
  return KEY_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64url");
}

export function isWellFormedKeySecret(value: string): boolean {
  return KEY_SECRET_PATTERN.test(value);
}

/**
 * HMAC-SHA-256 of the secret. A keyed hash rather than a password hash: the secret already has
 * 256 bits of entropy, so slow hashing buys nothing, while the key means a leaked database alone
 * does not let anyone test guesses.
 */
export function hashKeySecret(hashKey: Uint8Array, secret: string): Buffer {
  return createHmac("sha256", hashKey).update(secret, "utf8").digest();
}
