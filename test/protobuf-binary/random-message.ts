import { fromBinary, protoInt64, ScalarType, toBinary, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";

/** A seeded generator (mulberry32): the same seed gives the same messages on every run. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  bigint64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32)));
  }
}

const INT32S = [0, 1, -1, 127, 128, 16383, 16384, 0x7fffffff, -0x80000000, 300, -300];
const UINT32S = [0, 1, 127, 128, 16384, 0x7fffffff, 0x80000000, 0xffffffff];
const INT64S = [0n, 1n, -1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, -0x80000000n, 2n ** 63n - 1n, -(2n ** 63n), 34359738367n, 34359738368n];
const UINT64S = [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 2n ** 63n, 2n ** 64n - 1n];
/** A NaN whose payload is not the canonical one, to check both writers keep its bits. */
const NAN_WITH_PAYLOAD = new Float64Array(new BigUint64Array([0x7ff800000000abcdn]).buffer)[0] as number;
const DOUBLES = [0, -0, 1.5, -2.25, NaN, NAN_WITH_PAYLOAD, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, -1e308, 1718000000];
const FLOATS = [0, -0, 1.5, -2.25, NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, 0.1];
const STRINGS = [
  "",
  "a",
  "Hello",
  "héllo wörld",
  "日本語のテキスト",
  "😀 astral 𝄞",
  "\ud800",
  "lone low \udc00 here",
  "high at end \ud83d",
  "reversed \udc00\ud800 pair",
  "x".repeat(200),
  `${"long ünïcödé 😀 ".repeat(10)}\ud800`,
];

export function randomString(random: Random): string {
  if (random.chance(0.6)) return random.pick(STRINGS);
  let text = "";
  const length = random.int(random.chance(0.8) ? 12 : 120);
  for (let i = 0; i < length; i++) {
    const band = random.int(5);
    text += String.fromCharCode(
      band === 0 ? random.int(0x80) : band === 1 ? 0x80 + random.int(0x780) : band === 2 ? 0xd800 + random.int(0x800) : random.int(0x10000),
    );
  }
  return text;
}

function randomScalar(type: ScalarType, random: Random): unknown {
  const extreme = random.chance(0.5);
  switch (type) {
    case ScalarType.STRING:
      return randomString(random);
    case ScalarType.BYTES:
      return Uint8Array.from({ length: random.int(random.chance(0.9) ? 8 : 300) }, () => random.int(256));
    case ScalarType.BOOL:
      return random.chance(0.5);
    case ScalarType.DOUBLE:
      return extreme ? random.pick(DOUBLES) : (random.next() - 0.5) * 10 ** random.int(30);
    case ScalarType.FLOAT:
      return extreme ? random.pick(FLOATS) : (random.next() - 0.5) * 10 ** random.int(30);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return extreme ? random.pick(INT32S) : random.int(2 ** 32) - 2 ** 31;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return extreme ? random.pick(UINT32S) : random.int(2 ** 32);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return extreme ? random.pick(INT64S) : random.bigint64();
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return extreme ? random.pick(UINT64S) : BigInt.asUintN(64, random.bigint64());
  }
}

function randomEnum(field: DescField & { enum: NonNullable<DescField["enum"]> }, random: Random): number {
  // An open enum holds numbers it does not name; a closed (proto2) one refuses them.
  const open = field.enum.open && random.chance(0.1);
  return open ? random.pick([99, -5]) : random.pick(field.enum.values).number;
}

export interface RandomMessageOptions {
  /** Message fields are left unset this deep, so recursive types end. */
  maxDepth: number;
  /** Chance that a nested message carries unknown fields. */
  unknownFieldChance: number;
}

/**
 * A message with random values in random fields, built through protobuf-es's reflection API so
 * that every value is one protobuf-es itself would hold (wrappers unboxed, Struct as JSON). Its
 * checks are off because they refuse strings with lone surrogates, which a message can hold.
 */
export function randomMessage(desc: DescMessage, random: Random, options: RandomMessageOptions, depth = 0): Message {
  const message = reflect(desc, undefined, false);
  const nestedOk = depth < options.maxDepth;
  const nested = (messageDesc: DescMessage): ReflectMessage =>
    reflect(messageDesc, randomMessage(messageDesc, random, options, depth + 1), false);
  for (const field of desc.fields) {
    if (!random.chance(field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED ? 1 : 0.6)) continue;
    switch (field.fieldKind) {
      case "scalar":
        message.set(field, randomScalar(field.scalar, random));
        break;
      case "enum":
        message.set(field, randomEnum(field, random));
        break;
      case "message":
        if (nestedOk) message.set(field, nested(field.message));
        break;
      case "list": {
        if (field.listKind === "message" && !nestedOk) break;
        const list = message.get(field);
        for (let i = random.int(4); i > 0; i--) {
          list.add(
            field.listKind === "message"
              ? nested(field.message)
              : field.listKind === "enum"
                ? randomEnum(field, random)
                : randomScalar(field.scalar, random),
          );
        }
        break;
      }
      case "map": {
        if (field.mapKind === "message" && !nestedOk) break;
        const map = message.get(field);
        for (let i = random.int(4); i > 0; i--) {
          map.set(
            randomScalar(field.mapKey, random),
            field.mapKind === "message"
              ? nested(field.message)
              : field.mapKind === "enum"
                ? randomEnum(field, random)
                : randomScalar(field.scalar, random),
          );
        }
        break;
      }
    }
  }
  return depth > 0 && random.chance(options.unknownFieldChance)
    ? withUnknownFields(desc, message.message, random)
    : message.message;
}

/**
 * The same message parsed back from its bytes with fields appended that the type does not
 * declare, so protobuf-es keeps them in `$unknown`, as a message from a newer peer would.
 */
export function withUnknownFields(desc: DescMessage, message: Message, random: Random): Message {
  const known = new Set(desc.fields.map((field) => field.number));
  const extra = new BinaryWriter();
  for (let i = 1 + random.int(4); i > 0; i--) {
    let number = random.pick([1000, 1001, 2047, 2048, 536870911, 1 + random.int(300)]);
    while (known.has(number)) number++;
    switch (random.int(5)) {
      case 0:
        extra.tag(number, WireType.Varint).int64(protoInt64.parse(random.bigint64()));
        break;
      case 1:
        extra.tag(number, WireType.Bit64).fixed64(BigInt.asUintN(64, random.bigint64()));
        break;
      case 2:
        extra.tag(number, WireType.LengthDelimited).string(randomString(random));
        break;
      case 3:
        extra.tag(number, WireType.Bit32).fixed32(random.int(2 ** 32));
        break;
      case 4:
        extra.tag(number, WireType.StartGroup).tag(1, WireType.Varint).uint32(random.int(1000)).tag(number, WireType.EndGroup);
        break;
    }
  }
  const bytes = Buffer.concat([toBinary(desc, message), extra.finish()]);
  return fromBinary(desc, bytes);
}
