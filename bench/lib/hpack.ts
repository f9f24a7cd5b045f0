/**
 * HPACK (RFC 7541), as much as the bench's HTTP/2 client needs: request header blocks are encoded
 * once per kind of call, without Huffman coding or the dynamic table (both optional for an
 * encoder); response header blocks are decoded in full, because the server's encoder (nghttp2 in
 * Node) uses both.
 */

/** A header field as it travels: lower-case name, value. */
export type HeaderField = readonly [name: string, value: string];

/** The static table (RFC 7541, Appendix A); index 1 is the first entry. */
const STATIC_TABLE: readonly HeaderField[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

/**
 * Encodes `fields` as a header block: a field the static table holds whole is sent as its index,
 * any other as a literal not added to the dynamic table (by the static table's index of its name
 * where there is one), every string as it is. Such a block means the same whatever the decoder's
 * dynamic table holds, so it can be sent again and again.
 */
export function encodeHeaderBlock(fields: readonly HeaderField[]): Buffer {
  const bytes: number[] = [];
  for (const [name, value] of fields) {
    const whole = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    if (whole !== -1) {
      writeInteger(bytes, 0x80, 7, whole + 1);
      continue;
    }
    const nameIndex = STATIC_TABLE.findIndex(([n]) => n === name);
    writeInteger(bytes, 0x00, 4, nameIndex + 1);
    if (nameIndex === -1) writeString(bytes, name);
    writeString(bytes, value);
  }
  return Buffer.from(bytes);
}

function writeInteger(bytes: number[], pattern: number, prefixBits: number, value: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    bytes.push(pattern | value);
    return;
  }
  bytes.push(pattern | max);
  let rest = value - max;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
}

function writeString(bytes: number[], text: string): void {
  const raw = Buffer.from(text, "latin1");
  writeInteger(bytes, 0x00, 7, raw.length);
  for (const byte of raw) bytes.push(byte);
}

/** A header block that breaks HPACK's rules; the connection cannot go on after one. */
export class HpackError extends Error {}

/**
 * Decodes the header blocks of one connection, in the order they arrived: blocks change the
 * dynamic table they share, so every block must be decoded, even one for a stream nobody waits for.
 */
export class HpackDecoder {
  /** Newest first: dynamic index 62 is entry 0. */
  readonly #dynamic: HeaderField[] = [];
  #dynamicSize = 0;
  #maxSize: number;
  /** The limit this side announced (SETTINGS_HEADER_TABLE_SIZE); size updates may not exceed it. */
  readonly #announcedMaxSize: number;

  constructor(announcedMaxSize = 4096) {
    this.#maxSize = announcedMaxSize;
    this.#announcedMaxSize = announcedMaxSize;
  }

  decode(block: Buffer): HeaderField[] {
    const fields: HeaderField[] = [];
    const cursor = { offset: 0 };
    while (cursor.offset < block.length) {
      const first = block[cursor.offset]!;
      if (first & 0x80) {
        fields.push(this.#field(readInteger(block, cursor, 7)));
      } else if (first & 0x40) {
        const field = this.#literal(block, cursor, 6);
        this.#insert(field);
        fields.push(field);
      } else if (first & 0x20) {
        const size = readInteger(block, cursor, 5);
        if (size > this.#announcedMaxSize) throw new HpackError(`table size update to ${size} above the ${this.#announcedMaxSize} announced`);
        this.#maxSize = size;
        this.#evict(0);
      } else {
        // Without indexing (0000) or never indexed (0001): the same to a decoder.
        fields.push(this.#literal(block, cursor, 4));
      }
    }
    return fields;
  }

  #literal(block: Buffer, cursor: { offset: number }, prefixBits: number): HeaderField {
    const nameIndex = readInteger(block, cursor, prefixBits);
    const name = nameIndex === 0 ? readString(block, cursor) : this.#field(nameIndex)[0];
    return [name, readString(block, cursor)];
  }

  #field(index: number): HeaderField {
    if (index === 0) throw new HpackError("index 0");
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const field = this.#dynamic[index - STATIC_TABLE.length - 1];
    if (field === undefined) throw new HpackError(`index ${index} beyond the dynamic table's ${this.#dynamic.length} entries`);
    return field;
  }

  #insert(field: HeaderField): void {
    const size = entrySize(field);
    // An entry larger than the table empties it and is not added (RFC 7541, 4.4).
    this.#evict(size);
    if (size > this.#maxSize) return;
    this.#dynamic.unshift(field);
    this.#dynamicSize += size;
  }

  /** Drops the oldest entries until `room` more octets fit. */
  #evict(room: number): void {
    while (this.#dynamic.length > 0 && this.#dynamicSize + room > this.#maxSize) {
      this.#dynamicSize -= entrySize(this.#dynamic.pop()!);
    }
  }
}

/** An entry's size as the table counts it: its octets and 32 more. */
function entrySize([name, value]: HeaderField): number {
  // Strings are decoded as latin1: one character per octet.
  return name.length + value.length + 32;
}

function readInteger(block: Buffer, cursor: { offset: number }, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  let value = block[cursor.offset++]! & max;
  if (value < max) return value;
  for (let shift = 0; ; shift += 7) {
    if (cursor.offset >= block.length) throw new HpackError("integer cut off by the end of the block");
    if (shift > 28) throw new HpackError("integer too large");
    const byte = block[cursor.offset++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
}

function readString(block: Buffer, cursor: { offset: number }): string {
  if (cursor.offset >= block.length) throw new HpackError("string missing at the end of the block");
  const huffman = (block[cursor.offset]! & 0x80) !== 0;
  const length = readInteger(block, cursor, 7);
  const end = cursor.offset + length;
  if (end > block.length) throw new HpackError("string cut off by the end of the block");
  const raw = block.subarray(cursor.offset, end);
  cursor.offset = end;
  return huffman ? decodeHuffman(raw) : raw.toString("latin1");
}

/**
 * The length in bits of each symbol's code (symbols 0–255, then 256, end of string), as character
 * codes less 48: RFC 7541's Huffman code (Appendix B) is canonical, so these lengths determine it.
 */
const CODE_LENGTHS =
  "=GLLLLLLLHNLLNLLLLLLLLNLLLLLLLLL6::<=68;::8;8666555666666678?6<:=67777777777777777777777878=C=>6?56565666577666567655677777?;>=LDFDDFFFGFGGGGGHGHHFGHGGGGEFGFGGHFEDFFGGEGFFHEFGGEEFEGFGGDFFFGFFGJJDCFGFIJJJKKJHICEJKKJKHEEJJLKKKDHDEFEEGFFIIHHJGJKJJKKKKKLKKKKKJN";
const END_OF_STRING = 256;
const LONGEST_CODE = 30;

/**
 * The canonical code as decoding tables: for each length, the first code of that length, how many
 * codes have it, and where their symbols start in `symbols` (sorted by length, then symbol).
 */
const HUFFMAN = (() => {
  const lengths = Array.from(CODE_LENGTHS, (c) => c.charCodeAt(0) - 48);
  const symbols = lengths.map((_, symbol) => symbol).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const firstCode = new Array<number>(LONGEST_CODE + 2).fill(0);
  const count = new Array<number>(LONGEST_CODE + 2).fill(0);
  const firstIndex = new Array<number>(LONGEST_CODE + 2).fill(0);
  for (const length of lengths) count[length]! += 1;
  let code = 0;
  let index = 0;
  for (let length = 1; length <= LONGEST_CODE; length++) {
    firstCode[length] = code;
    firstIndex[length] = index;
    code = (code + count[length]!) * 2;
    index += count[length]!;
  }
  return { symbols, firstCode, count, firstIndex };
})();

function decodeHuffman(raw: Buffer): string {
  const { symbols, firstCode, count, firstIndex } = HUFFMAN;
  const out: number[] = [];
  let code = 0;
  let length = 0;
  for (const byte of raw) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length += 1;
      const offset = code - firstCode[length]!;
      if (offset >= count[length]!) {
        if (length === LONGEST_CODE) throw new HpackError("not a Huffman code");
        continue;
      }
      const symbol = symbols[firstIndex[length]! + offset]!;
      if (symbol === END_OF_STRING) throw new HpackError("end-of-string symbol inside a Huffman string");
      out.push(symbol);
      code = 0;
      length = 0;
    }
  }
  // What is left must be padding: fewer than 8 bits, all ones (a prefix of the end-of-string code).
  if (length >= 8 || code !== 2 ** length - 1) throw new HpackError("bad padding at the end of a Huffman string");
  return Buffer.from(out).toString("latin1");
}
