/**
 * The client connection preface an HTTP/2 client sends first when it speaks h2c by prior knowledge
 * (RFC 9113 §3.4). No HTTP/1.x request line can start with it: the longest common prefix with any
 * real method is "P" (POST, PUT, PATCH diverge at the second byte), so a cleartext connection is
 * classified after one or two bytes in practice, and after all 24 only for HTTP/2.
 */
export const HTTP2_PREFACE: Buffer = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Returned by {@link matchHttp2Preface} once the bytes seen can no longer be an HTTP/2 preface. */
export const PREFACE_DIVERGED = -1;

/**
 * Continues matching the HTTP/2 preface with the next chunk of a connection's first bytes.
 *
 * `matchedSoFar` is what the previous call returned (0 for the first chunk). Returns the number of
 * preface bytes matched so far: `HTTP2_PREFACE.length` means "this is HTTP/2", a smaller number means
 * "undecided, read more", and {@link PREFACE_DIVERGED} means "not HTTP/2". Bytes past the preface
 * (the client's SETTINGS frame often shares the first packet) are not inspected. Taking the count
 * rather than the accumulated bytes keeps a connection that trickles one byte at a time from
 * rescanning what it already sent.
 */
export function matchHttp2Preface(chunk: Uint8Array, matchedSoFar: number): number {
  const end = Math.min(HTTP2_PREFACE.length, matchedSoFar + chunk.length);
  for (let i = matchedSoFar; i < end; i++) {
    if (chunk[i - matchedSoFar] !== HTTP2_PREFACE[i]) return PREFACE_DIVERGED;
  }
  return end;
}
