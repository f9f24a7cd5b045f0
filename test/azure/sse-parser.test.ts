import type { JsonObject } from "@bufbuild/protobuf";
import { describe, expect, it, vi } from "vitest";
import { SseParser } from "../../src/azure/index.js";
import { GatewayError } from "../../src/errors/index.js";

/** Feeds every piece, then ends the input, collecting chunks until the parser throws or finishes. */
function parse(pieces: readonly (Uint8Array | string)[], options: { end?: boolean } = {}): JsonObject[] {
  const parser = new SseParser();
  const chunks: JsonObject[] = [];
  const drain = (): void => {
    for (let chunk = parser.read(); chunk !== undefined; chunk = parser.read()) chunks.push(chunk);
  };
  for (const piece of pieces) {
    parser.push(piece);
    drain();
  }
  if (options.end ?? true) {
    parser.end();
    drain();
  }
  return chunks;
}

function failure(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

const encoder = new TextEncoder();
// Azure's first chunk, a multi-byte character (ü, 2 bytes), an emoji (4 bytes) and CRLF endings.
const STREAM =
  'data: {"choices":[],"id":"","prompt_filter_results":[]}\r\n\r\n' +
  ': keep-alive\r\n\r\n' +
  'event: message\r\nid: 7\r\nretry: 1000\r\ndata: {"choices":[{"delta":{"content":"Grüße 👋"}}]}\r\n\r\n' +
  'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\r\n\r\n' +
  "data: [DONE]\r\n\r\n";
const EXPECTED = [
  { choices: [], id: "", prompt_filter_results: [] },
  { choices: [{ delta: { content: "Grüße 👋" } }] },
  { choices: [{ delta: {}, finish_reason: "stop" }] },
];

describe("SseParser", () => {
  it("yields the same chunks however the bytes are split, even inside a UTF-8 character", () => {
    const bytes = encoder.encode(STREAM);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new SseParser();
      const chunks: JsonObject[] = [];
      parser.push(bytes.subarray(0, cut));
      for (let c = parser.read(); c !== undefined; c = parser.read()) chunks.push(c);
      parser.push(bytes.subarray(cut));
      for (let c = parser.read(); c !== undefined; c = parser.read()) chunks.push(c);
      expect(chunks, `split at byte ${cut}`).toEqual(EXPECTED);
      expect(parser.finished, `split at byte ${cut}`).toBe(true);
    }
  });

  it("yields the same chunks when fed one byte at a time", () => {
    const bytes = encoder.encode(STREAM);
    expect(parse(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))).toEqual(EXPECTED);
  });

  it("accepts LF, CRLF and lone CR line endings, including a CRLF split between pieces", () => {
    const event = (ending: string): string => `data: {"n":1}${ending}${ending}data: [DONE]${ending}${ending}`;
    expect(parse([event("\n")])).toEqual([{ n: 1 }]);
    expect(parse([event("\r\n")])).toEqual([{ n: 1 }]);
    expect(parse([event("\r")])).toEqual([{ n: 1 }]);
    expect(parse(['data: {"n":1}\r', "\n\r", "\ndata: [DONE]\r\n\r\n"])).toEqual([{ n: 1 }]);
  });

  it("hands out each chunk as soon as its event is complete, before the stream ends", () => {
    const parser = new SseParser();
    parser.push('data: {"n":1}\n');
    expect(parser.read()).toBeUndefined();
    parser.push("\n");
    expect(parser.read()).toEqual({ n: 1 });
    expect(parser.finished).toBe(false);
  });

  it("parses only as far as the event it hands out, leaving the rest of the piece for later reads", () => {
    const parser = new SseParser();
    parser.push('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\n');
    const parse = vi.spyOn(JSON, "parse");
    try {
      expect(parser.read()).toEqual({ n: 1 });
      expect(parse).toHaveBeenCalledTimes(1);
      expect(parser.read()).toEqual({ n: 2 });
      expect(parse).toHaveBeenCalledTimes(2);
    } finally {
      parse.mockRestore();
    }
  });

  it("reads nothing more, and loses nothing, when read again before the next piece arrives", () => {
    const parser = new SseParser();
    parser.push('data: {"n":1}\r\n\r\ndata: {"n"');
    expect(parser.read()).toEqual({ n: 1 });
    expect(parser.read()).toBeUndefined();
    expect(parser.read()).toBeUndefined();
    parser.push(':2}\r\n\r\ndata: {"n":3}\r\n\r\n');
    expect(parser.read()).toEqual({ n: 2 });
    expect(parser.read()).toEqual({ n: 3 });
    expect(parser.read()).toBeUndefined();
    expect(parser.read()).toBeUndefined();
    parser.push('data: {"n":4}\r\n\r\ndata: [DONE]\r\n\r\n');
    expect(parser.read()).toEqual({ n: 4 });
    expect(parser.read()).toBeUndefined();
    expect(parser.finished).toBe(true);
  });

  it("joins multi-line data with newlines", () => {
    expect(parse(['data: {"a":\ndata: 1,\ndata:"b":"x"}\n\ndata: [DONE]\n\n'])).toEqual([{ a: 1, b: "x" }]);
  });

  it("ignores comments, event, id, retry and unknown fields, and events without data", () => {
    const stream = ": ping\n\nevent: ping\n\nid: 4\nretry: 10\nfoo: bar\nnocolon\ndata: {\"n\":2}\n\ndata: [DONE]\n\n";
    expect(parse([stream])).toEqual([{ n: 2 }]);
  });

  it("removes only one space after the colon", () => {
    expect(parse(['data:{"n":1}\n\ndata:  {"n":2}\n\ndata: [DONE]\n\n'])).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("stops at [DONE] and ignores whatever follows", () => {
    const parser = new SseParser();
    parser.push('data: [DONE]\n\ndata: {"late":true}\n\n');
    parser.push("data: not json\n\n");
    parser.end();
    expect(parser.read()).toBeUndefined();
    expect(parser.finished).toBe(true);
  });

  it("fails with upstream_error when the stream ends without [DONE]", () => {
    const parser = new SseParser();
    parser.push('data: {"n":1}\n\n');
    parser.end();
    expect(parser.read()).toEqual({ n: 1 });
    const error = failure(() => parser.read());
    expect(error.code).toBe("upstream_error");
    expect(error.message).toBe("Azure ended the stream early.");
    expect(parser.finished).toBe(false);
  });

  it("treats an unterminated last event as missing, not as data", () => {
    const error = failure(() => parse(['data: {"n":1}\n\ndata: [DONE]']));
    expect(error.code).toBe("upstream_error");
  });

  it("fails with upstream_error on a data event that is not JSON, after the chunks before it", () => {
    const parser = new SseParser();
    parser.push('data: {"n":1}\n\ndata: {"n":\n\ndata: {"n":3}\n\n');
    expect(parser.read()).toEqual({ n: 1 });
    expect(failure(() => parser.read()).code).toBe("upstream_error");
    // Once failed it stays failed.
    expect(failure(() => parser.read()).code).toBe("upstream_error");
  });

  it("fails with upstream_error on JSON that is not an object", () => {
    expect(failure(() => parse(["data: [1,2]\n\n"])).code).toBe("upstream_error");
    expect(failure(() => parse(["data: 42\n\n"])).code).toBe("upstream_error");
  });

  it("turns an error event into upstream_error without Azure's text", () => {
    const error = failure(() =>
      parse(['data: {"error":{"message":"The server had an error","type":"server_error","code":null}}\n\n']),
    );
    expect(error.code).toBe("upstream_error");
    expect(error.message).not.toContain("The server had an error");
  });

  it("turns a content_filter error event into content_filter with Azure's result", () => {
    const azureError = {
      code: "content_filter",
      message: "The response was filtered",
      innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: { hate: { filtered: true, severity: "high" } } },
    };
    const error = failure(() => parse([`data: ${JSON.stringify({ error: azureError })}\n\n`]));
    expect(error.code).toBe("content_filter");
    expect(error.message).toBe("The response was filtered");
    expect(error.detail).toEqual({ innererror: azureError.innererror });
  });

  it("does not treat `error: null` as an error", () => {
    expect(parse(['data: {"error":null,"n":1}\n\ndata: [DONE]\n\n'])).toEqual([{ error: null, n: 1 }]);
  });

  it("refuses an event longer than maxEventLength instead of buffering it", () => {
    const parser = new SseParser({ maxEventLength: 100 });
    parser.push(`data: "${"x".repeat(60)}`);
    expect(parser.read()).toBeUndefined();
    parser.push("x".repeat(60));
    expect(failure(() => parser.read()).code).toBe("upstream_error");
  });

  it("accepts string pieces and drops a leading byte order mark", () => {
    expect(parse(['\uFEFFdata: {"n":1}\n\n', "data: [DONE]\n\n"])).toEqual([{ n: 1 }]);
    expect(parse([new Uint8Array([0xef, 0xbb, 0xbf]), encoder.encode('data: {"n":1}\n\ndata: [DONE]\n\n')])).toEqual([{ n: 1 }]);
  });
});
