/**
 * Strings up to this many UTF-16 code units are measured and written by a JS loop: for chat
 * deltas of a few characters that beats a call into Buffer's C++ UTF-8 routines.
 */
export const SHORT_STRING_LENGTH = 64;

/** Bytes of an unsigned 32-bit varint. */
export function uint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Bytes of a signed 32-bit varint: a negative int32 is sign-extended to 64 bits, so 10 bytes. */
export function int32Size(value: number): number {
  return value < 0 ? 10 : uint32Size(value);
}

/** Bytes of a 64-bit varint given as two's-complement halves. */
export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return uint32Size(lo >>> 0);
  const bits = 64 - Math.clz32(hi >>> 0);
  return Math.ceil(bits / 7);
}

/**
 * UTF-8 byte length of a string as TextEncoder and Buffer encode it: a lone surrogate becomes
 * U+FFFD, three bytes.
 */
export function utf8Length(text: string): number {
  const length = text.length;
  if (length > SHORT_STRING_LENGTH) return Buffer.byteLength(text, "utf8");
  let bytes = 0;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      bytes += 1;
    } else if (unit < 0x800) {
      bytes += 2;
    } else if (
      (unit & 0xfc00) === 0xd800 &&
      i + 1 < length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 4;
      i++;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}
