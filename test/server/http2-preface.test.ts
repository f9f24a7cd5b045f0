import { describe, expect, it } from "vitest";
import { HTTP2_PREFACE, PREFACE_DIVERGED, matchHttp2Preface } from "../../src/server/http2-preface.js";

const bytes = (text: string): Buffer => Buffer.from(text, "latin1");

describe("matchHttp2Preface", () => {
  it("recognises the whole preface in one chunk, ignoring the frames after it", () => {
    const withSettings = Buffer.concat([HTTP2_PREFACE, Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
    expect(matchHttp2Preface(withSettings, 0)).toBe(24);
  });

  it("stays undecided, counting matched bytes, while the preface arrives one byte at a time", () => {
    let matched = 0;
    for (let i = 0; i < HTTP2_PREFACE.length; i++) {
      matched = matchHttp2Preface(HTTP2_PREFACE.subarray(i, i + 1), matched);
      expect(matched).toBe(i + 1);
    }
  });

  it("diverges on the first byte of an HTTP/1 GET", () => {
    expect(matchHttp2Preface(bytes("G"), 0)).toBe(PREFACE_DIVERGED);
  });

  it("needs a second byte to tell POST, PUT and PATCH from the preface", () => {
    for (const method of ["POST", "PUT", "PATCH"]) {
      const first = matchHttp2Preface(bytes(method.slice(0, 1)), 0);
      expect(first).toBe(1);
      expect(matchHttp2Preface(bytes(method.slice(1, 2)), first)).toBe(PREFACE_DIVERGED);
    }
  });

  it("diverges late for a request that imitates the preface's request line", () => {
    const lookalike = bytes("PRI * HTTP/1.1\r\n\r\n");
    expect(matchHttp2Preface(lookalike, 0)).toBe(PREFACE_DIVERGED);
    expect(matchHttp2Preface(lookalike.subarray(0, 10), 0)).toBe(10);
  });

  it("continues a partial match across chunks of any size", () => {
    const first = matchHttp2Preface(HTTP2_PREFACE.subarray(0, 5), 0);
    const second = matchHttp2Preface(HTTP2_PREFACE.subarray(5, 20), first);
    expect(second).toBe(20);
    expect(matchHttp2Preface(bytes("\r\n\r\nX"), second)).toBe(24);
    expect(matchHttp2Preface(bytes("\r\nXX"), second)).toBe(PREFACE_DIVERGED);
  });
});
