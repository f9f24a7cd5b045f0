const LF = 0x0a;
const DONE_EVENT = Buffer.from("data: [DONE]\n\n");

/**
 * Counts the events of a `text/event-stream` body as its bytes arrive, without decoding them: an
 * event ends at a blank line. Remembers whether the body ended with `data: [DONE]`.
 */
export class SseEventCounter {
  events = 0;
  #previousByte = 0;
  #tail: Buffer = Buffer.alloc(0);

  push(piece: Uint8Array): void {
    let previous = this.#previousByte;
    for (let i = 0; i < piece.length; i += 1) {
      const byte = piece[i]!;
      if (byte === LF && previous === LF) this.events += 1;
      previous = byte;
    }
    this.#previousByte = previous;
    const keep = DONE_EVENT.length;
    this.#tail =
      piece.length >= keep
        ? Buffer.from(piece.subarray(piece.length - keep))
        : Buffer.concat([this.#tail, piece]).subarray(-keep);
  }

  get endedWithDone(): boolean {
    return this.#tail.equals(DONE_EVENT);
  }
}
