import { randomFillSync } from "node:crypto";

/**
 * A UUID version 7 (RFC 9562): the millisecond `nowMs` in the first 48 bits, then 74 random bits.
 *
 * The ledger's request ids are its primary key. A random (version 4) id lands anywhere in that
 * index, so every insert touches a different page, and inserts slow down as the table outgrows the
 * cache. Ids that grow with time are appended at the index's right edge instead.
 */
export function timeOrderedUuid(nowMs: number): string {
  const at = takeRandomBytes();
  const random = randomPool;
  const ms = Math.min(Math.max(0, Math.trunc(nowMs)), MAX_TIMESTAMP_MS);
  // 48 bits do not fit a 32-bit bitwise operation: the top 16 and the low 32 are taken apart.
  const high = Math.floor(ms / 2 ** 32);
  const low = ms - high * 2 ** 32;
  return (
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(low >>> 24) & 0xff]! +
    HEX[(low >>> 16) & 0xff]! +
    "-" +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    "-" +
    HEX[0x70 | (random[at]! & 0x0f)]! +
    HEX[random[at + 1]!]! +
    "-" +
    HEX[0x80 | (random[at + 2]! & 0x3f)]! +
    HEX[random[at + 3]!]! +
    "-" +
    HEX[random[at + 4]!]! +
    HEX[random[at + 5]!]! +
    HEX[random[at + 6]!]! +
    HEX[random[at + 7]!]! +
    HEX[random[at + 8]!]! +
    HEX[random[at + 9]!]!
  );
}

const MAX_TIMESTAMP_MS = 2 ** 48 - 1;
const RANDOM_BYTES_PER_ID = 10;
const IDS_PER_REFILL = 256;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Random bytes are drawn from the system a few kilobytes at a time, as node:crypto's randomUUID does. */
const randomPool = Buffer.alloc(RANDOM_BYTES_PER_ID * IDS_PER_REFILL);
let randomOffset = randomPool.length;

/** Where ten unused bytes of the pool start. */
function takeRandomBytes(): number {
  randomOffset += RANDOM_BYTES_PER_ID;
  if (randomOffset >= randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  return randomOffset;
}
