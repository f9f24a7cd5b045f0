import { protoInt64, ScalarType } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import type { EncodeBuffer } from "./encode-buffer.js";
import { int32Size, uint32Size, utf8Length, varint64Size } from "./wire-size.js";

/**
 * How one kind of value is sized and written, without its tag. `size` may record lengths for the
 * write pass; `write` reads them back in the same order.
 */
export interface ValueCodec {
  readonly wireType: WireType;
  size(value: unknown, lengths: number[]): number;
  write(value: unknown, out: EncodeBuffer): void;
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const FLOAT32_MAX = 3.4028234663852886e38;

/** Values protobuf-es's BinaryWriter would refuse are refused here too, before any byte is written. */
function int32(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > INT32_MAX || value < INT32_MIN) {
    throw new Error(`invalid int32: ${String(value)}`);
  }
  return value;
}

function uint32(value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > UINT32_MAX || value < 0) {
    throw new Error(`invalid uint32: ${String(value)}`);
  }
  return value;
}

function float32(value: unknown): number {
  if (typeof value !== "number" || (Number.isFinite(value) && Math.abs(value) > FLOAT32_MAX)) {
    throw new Error(`invalid float32: ${String(value)}`);
  }
  return value;
}

function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

/** Most int64 values on the hot path (`created`, token counts) are small non-negative bigints. */
function smallBigint(value: unknown): value is bigint {
  return typeof value === "bigint" && value >= 0n && value <= 0x7fffffffn;
}

/** protoInt64.enc/uEnc accept bigint, number and string, as toBinary does, and throw out of range. */
type Int64Halves = { lo: number; hi: number };
type Int64Encoding = (value: unknown) => Int64Halves;
const signed: Int64Encoding = (value) => protoInt64.enc(value as bigint | string | number);
const unsigned: Int64Encoding = (value) => protoInt64.uEnc(value as bigint | string | number);

function varint64Codec(halves: Int64Encoding): ValueCodec {
  return {
    wireType: WireType.Varint,
    size(value) {
      if (smallBigint(value)) return uint32Size(Number(value));
      const { lo, hi } = halves(value);
      return varint64Size(lo, hi);
    },
    write(value, out) {
      if (smallBigint(value)) {
        out.uint32(Number(value));
        return;
      }
      const { lo, hi } = halves(value);
      out.varint64(lo, hi);
    },
  };
}

function sint64Halves(value: unknown): Int64Halves {
  const { lo, hi } = protoInt64.enc(value as bigint | string | number);
  const sign = hi >> 31;
  return { lo: (lo << 1) ^ sign, hi: ((hi << 1) | (lo >>> 31)) ^ sign };
}

function fixedInt64Codec(halves: Int64Encoding): ValueCodec {
  return {
    wireType: WireType.Bit64,
    size(value) {
      halves(value);
      return 8;
    },
    write(value, out) {
      const { lo, hi } = halves(value);
      out.fixed64(lo, hi);
    },
  };
}

const stringCodec: ValueCodec = {
  wireType: WireType.LengthDelimited,
  size(value, lengths) {
    const byteLength = utf8Length(value as string);
    lengths.push(byteLength);
    return uint32Size(byteLength) + byteLength;
  },
  write(value, out) {
    const byteLength = out.nextLength();
    out.uint32(byteLength);
    out.utf8(value as string, byteLength);
  },
};

const bytesCodec: ValueCodec = {
  wireType: WireType.LengthDelimited,
  size(value) {
    const byteLength = (value as Uint8Array).byteLength;
    return uint32Size(byteLength) + byteLength;
  },
  write(value, out) {
    out.uint32((value as Uint8Array).byteLength);
    out.raw(value as Uint8Array);
  },
};

const boolCodec: ValueCodec = {
  wireType: WireType.Varint,
  size: () => 1,
  write(value, out) {
    out.uint32(value ? 1 : 0);
  },
};

const doubleCodec: ValueCodec = {
  wireType: WireType.Bit64,
  size: () => 8,
  write(value, out) {
    out.double(value as number);
  },
};

const floatCodec: ValueCodec = {
  wireType: WireType.Bit32,
  size(value) {
    float32(value);
    return 4;
  },
  write(value, out) {
    out.float(value as number);
  },
};

const int32Codec: ValueCodec = {
  wireType: WireType.Varint,
  size: (value) => int32Size(int32(value)),
  write(value, out) {
    out.int32(value as number);
  },
};

const uint32Codec: ValueCodec = {
  wireType: WireType.Varint,
  size: (value) => uint32Size(uint32(value)),
  write(value, out) {
    out.uint32(value as number);
  },
};

const sint32Codec: ValueCodec = {
  wireType: WireType.Varint,
  size: (value) => uint32Size(zigzag32(int32(value))),
  write(value, out) {
    out.uint32(zigzag32(value as number));
  },
};

const fixed32Codec: ValueCodec = {
  wireType: WireType.Bit32,
  size(value) {
    uint32(value);
    return 4;
  },
  write(value, out) {
    out.fixed32(value as number);
  },
};

const sfixed32Codec: ValueCodec = {
  wireType: WireType.Bit32,
  size(value) {
    int32(value);
    return 4;
  },
  write(value, out) {
    out.sfixed32(value as number);
  },
};

const int64Codec = varint64Codec(signed);
const uint64Codec = varint64Codec(unsigned);
const sint64Codec: ValueCodec = {
  wireType: WireType.Varint,
  size(value) {
    const { lo, hi } = sint64Halves(value);
    return varint64Size(lo, hi);
  },
  write(value, out) {
    const { lo, hi } = sint64Halves(value);
    out.varint64(lo, hi);
  },
};
const fixed64Codec = fixedInt64Codec(unsigned);
const sfixed64Codec = fixedInt64Codec(signed);

/** The codec for a scalar type; enums are int32 on the wire. */
export function scalarCodec(type: ScalarType): ValueCodec {
  switch (type) {
    case ScalarType.STRING:
      return stringCodec;
    case ScalarType.BYTES:
      return bytesCodec;
    case ScalarType.BOOL:
      return boolCodec;
    case ScalarType.DOUBLE:
      return doubleCodec;
    case ScalarType.FLOAT:
      return floatCodec;
    case ScalarType.INT32:
      return int32Codec;
    case ScalarType.UINT32:
      return uint32Codec;
    case ScalarType.SINT32:
      return sint32Codec;
    case ScalarType.FIXED32:
      return fixed32Codec;
    case ScalarType.SFIXED32:
      return sfixed32Codec;
    case ScalarType.INT64:
      return int64Codec;
    case ScalarType.UINT64:
      return uint64Codec;
    case ScalarType.SINT64:
      return sint64Codec;
    case ScalarType.FIXED64:
      return fixed64Codec;
    case ScalarType.SFIXED64:
      return sfixed64Codec;
  }
}
