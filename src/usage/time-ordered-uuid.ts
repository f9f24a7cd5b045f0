import { randomUUID } from "node:crypto";

/**
 * A UUID version 7 (RFC 9562): the millisecond `nowMs` in the first 48 bits, then 74 random bits.
 *
 * The ledger's request ids are its primary key. A random (version 4) id lands anywhere in that
 * index, so every insert touches a different page, and inserts slow down as the table outgrows the
 * cache. Ids that grow with time are appended at the index's right edge instead.
 */
export function timeOrderedUuid(nowMs: number): string {
  const ms = Math.min(Math.max(0, Math.trunc(nowMs)), MAX_TIMESTAMP_MS);
  // 48 bits do not fit a 32-bit bitwise operation: the top 16 and the low 32 are taken apart.
  const high = Math.floor(ms / 2 ** 32);
  const low = ms - high * 2 ** 32;
  // A version 4 UUID, from Node's pooled entropy, already has the variant bits and 74 random bits
  // where version 7 wants them: only its first 48 bits and its version digit are replaced.
  return (
    HEX[high >>> 8]! +
    HEX[high & 0xff]! +
    HEX[low >>> 24]! +
    HEX[(low >>> 16) & 0xff]! +
    "-" +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    "-7" +
    randomUUID().slice(VERSION_DIGIT + 1)
  );
}

const MAX_TIMESTAMP_MS = 2 ** 48 - 1;
/** Where a UUID's version digit stands: `xxxxxxxx-xxxx-Vxxx-…`. */
const VERSION_DIGIT = 14;
/** Two hex digits per byte: formatting the time this way is several times faster than toString(16). */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
