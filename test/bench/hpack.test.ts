import { describe, expect, it } from "vitest";
import { encodeHeaderBlock, HpackDecoder, HpackError, type HeaderField } from "../../bench/lib/hpack.js";

describe("HPACK", () => {
  it("decodes what it encodes: static-table entries, indexed names, new names, long strings", () => {
    const fields: HeaderField[] = [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/tensorwall.v1.ChatService/CreateChatCompletion"],
      [":authority", "127.0.0.1:8080"],
      ["content-type", "application/proto"],
      ["te", "trailers"],
      ["x-long", "v".repeat(300)],
      ["x-empty", ""],
    ];
    const block = encodeHeaderBlock(fields);
    expect(block[0]).toBe(0x83);
    expect(block[1]).toBe(0x86);
    expect(new HpackDecoder().decode(block)).toEqual(fields);
  });

  // RFC 7541, C.4: requests with Huffman coding, sharing one dynamic table.
  it("decodes the RFC's Huffman-coded request examples, with the dynamic table they build", () => {
    const decoder = new HpackDecoder();
    const block = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ""), "hex");
    expect(decoder.decode(block("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"))).toEqual([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
    ]);
    expect(decoder.decode(block("8286 84be 5886 a8eb 1064 9cbf"))).toEqual([
      [":method", "GET"],
      [":scheme", "http"],
      [":path", "/"],
      [":authority", "www.example.com"],
      ["cache-control", "no-cache"],
    ]);
    expect(decoder.decode(block("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))).toEqual([
      [":method", "GET"],
      [":scheme", "https"],
      [":path", "/index.html"],
      [":authority", "www.example.com"],
      ["custom-key", "custom-value"],
    ]);
  });

  // RFC 7541, C.6: responses with Huffman coding and a 256-octet table, so entries are evicted.
  it("evicts the oldest entries when the table is full, as the RFC's response examples do", () => {
    const decoder = new HpackDecoder(4096);
    const block = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ""), "hex");
    // A table size update to 256 first (0x3f e1 01), as a server would send after lowering it.
    decoder.decode(block("3fe101"));
    expect(
      decoder.decode(block("4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3")),
    ).toEqual([
      [":status", "302"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
      ["location", "https://www.example.com"],
    ]);
    expect(decoder.decode(block("4883 640e ffc1 c0bf"))).toEqual([
      [":status", "307"],
      ["cache-control", "private"],
      ["date", "Mon, 21 Oct 2013 20:13:21 GMT"],
      ["location", "https://www.example.com"],
    ]);
    // ":status: 302" was evicted to make room for ":status: 307": four entries, not five.
    expect(decoder.decode(block("be c1"))).toEqual([
      [":status", "307"],
      ["cache-control", "private"],
    ]);
    expect(() => decoder.decode(block("c2"))).toThrow(HpackError);
  });

  it("refuses what the RFC forbids", () => {
    const decode = (hex: string): unknown => new HpackDecoder().decode(Buffer.from(hex.replace(/\s/g, ""), "hex"));
    // The well-formed block the cases below spoil: :path, Huffman "a" (00011, then 111 of padding).
    expect(decode("04 81 1f")).toEqual([[":path", "a"]]);
    expect(() => decode("80")).toThrow(new HpackError("index 0"));
    expect(() => decode("be")).toThrow(/beyond the dynamic table/);
    expect(() => decode("3f e2 1f")).toThrow(/above the 4096 announced/);
    expect(() => decode("04 05 61 62 63")).toThrow(/cut off/);
    expect(() => decode("04 82 1f ff")).toThrow(/bad padding/);
    expect(() => decode("04 81 18")).toThrow(/bad padding/);
    expect(() => decode("04 84 ff ff ff ff")).toThrow(/end-of-string/);
  });
});
