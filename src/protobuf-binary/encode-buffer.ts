import { SHORT_STRING_LENGTH } from "./wire-size.js";

/**
 * The write pass's cursor over one preallocated buffer. `lengths` are the byte lengths the size
 * pass recorded, in the order the write pass meets them: nested messages, packed runs, map
 * entries and strings.
 */
export class EncodeBuffer {
  private nextLengthIndex = 0;

  constructor(
    readonly bytes: Buffer,
    public pos: number,
    private readonly lengths: readonly number[],
  ) {}

  /** The next length the size pass recorded. */
  nextLength(): number {
    // The size pass recorded one length for each one the write pass asks for.
    return this.lengths[this.nextLengthIndex++] as number;
  }

  uint32(value: number): void {
    const bytes = this.bytes;
    let pos = this.pos;
    while (value > 0x7f) {
      bytes[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    bytes[pos++] = value;
    this.pos = pos;
  }

  int32(value: number): void {
    if (value >= 0) {
      this.uint32(value);
      return;
    }
    // Sign-extended to 64 bits, as protobuf-es's varint32write does.
    const bytes = this.bytes;
    let pos = this.pos;
    for (let i = 0; i < 9; i++) {
      bytes[pos++] = (value & 0x7f) | 0x80;
      value >>= 7;
    }
    bytes[pos++] = 1;
    this.pos = pos;
  }

  /** A 64-bit varint given as two's-complement halves (protobuf-es's varint64write). */
  varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.uint32(lo >>> 0);
      return;
    }
    const bytes = this.bytes;
    let pos = this.pos;
    for (let i = 0; i < 28; i += 7) {
      bytes[pos++] = ((lo >>> i) & 0x7f) | 0x80;
    }
    const splitBits = ((lo >>> 28) & 0x0f) | ((hi & 0x07) << 4);
    const high = hi >>> 3;
    if (high === 0) {
      bytes[pos++] = splitBits;
      this.pos = pos;
      return;
    }
    bytes[pos++] = splitBits | 0x80;
    this.pos = pos;
    this.uint32(high);
  }

  raw(chunk: Uint8Array): void {
    this.bytes.set(chunk, this.pos);
    this.pos += chunk.byteLength;
  }

  double(value: number): void {
    this.pos = this.bytes.writeDoubleLE(value, this.pos);
  }

  float(value: number): void {
    this.pos = this.bytes.writeFloatLE(value, this.pos);
  }

  fixed32(value: number): void {
    this.pos = this.bytes.writeUInt32LE(value, this.pos);
  }

  sfixed32(value: number): void {
    this.pos = this.bytes.writeInt32LE(value, this.pos);
  }

  fixed64(lo: number, hi: number): void {
    this.pos = this.bytes.writeInt32LE(hi, this.bytes.writeInt32LE(lo, this.pos));
  }

  /** Writes `byteLength` bytes of UTF-8; the size pass measured them with utf8Length. */
  utf8(text: string, byteLength: number): void {
    const length = text.length;
    if (length > SHORT_STRING_LENGTH) {
      this.pos += this.bytes.write(text, this.pos, byteLength, "utf8");
      return;
    }
    const bytes = this.bytes;
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      let unit = text.charCodeAt(i);
      if (unit < 0x80) {
        bytes[pos++] = unit;
      } else if (unit < 0x800) {
        bytes[pos++] = 0xc0 | (unit >> 6);
        bytes[pos++] = 0x80 | (unit & 0x3f);
      } else {
        if ((unit & 0xf800) === 0xd800) {
          const low = i + 1 < length ? text.charCodeAt(i + 1) : 0;
          if ((unit & 0xfc00) === 0xd800 && (low & 0xfc00) === 0xdc00) {
            const codePoint = 0x10000 + ((unit & 0x3ff) << 10) + (low & 0x3ff);
            bytes[pos++] = 0xf0 | (codePoint >> 18);
            bytes[pos++] = 0x80 | ((codePoint >> 12) & 0x3f);
            bytes[pos++] = 0x80 | ((codePoint >> 6) & 0x3f);
            bytes[pos++] = 0x80 | (codePoint & 0x3f);
            i++;
            continue;
          }
          // A lone surrogate is not valid UTF-8; TextEncoder, which protobuf-es uses, writes U+FFFD.
          unit = 0xfffd;
        }
        bytes[pos++] = 0xe0 | (unit >> 12);
        bytes[pos++] = 0x80 | ((unit >> 6) & 0x3f);
        bytes[pos++] = 0x80 | (unit & 0x3f);
      }
    }
    this.pos = pos;
  }
}
