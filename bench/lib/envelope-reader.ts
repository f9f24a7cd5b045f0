/** Bytes before each message in an enveloped body: one flag byte, then the length as a 4-byte big-endian integer. */
const PREFIX_BYTES = 5;

/** One message framed as Connect streaming and gRPC frame theirs. */
export function envelope(flags: number, message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  framed[0] = flags;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, PREFIX_BYTES);
  return framed;
}

/**
 * Splits an enveloped body (Connect streaming, gRPC) into its envelopes as the body's chunks
 * arrive. Only an envelope cut by a chunk boundary is copied; whole ones are handed on as views of
 * the chunk.
 */
export class EnvelopeReader {
  readonly #onEnvelope: (flags: number, message: Buffer) => void;
  #rest: Buffer | undefined;

  constructor(onEnvelope: (flags: number, message: Buffer) => void) {
    this.#onEnvelope = onEnvelope;
  }

  push(chunk: Buffer): void {
    const buffer = this.#rest === undefined ? chunk : Buffer.concat([this.#rest, chunk]);
    let offset = 0;
    while (buffer.length - offset >= PREFIX_BYTES) {
      const end = offset + PREFIX_BYTES + buffer.readUInt32BE(offset + 1);
      if (end > buffer.length) break;
      this.#onEnvelope(buffer[offset]!, buffer.subarray(offset + PREFIX_BYTES, end));
      offset = end;
    }
    this.#rest = offset === buffer.length ? undefined : buffer.subarray(offset);
  }

  /** Bytes of an envelope not yet complete: at the end of a body, anything but 0 is a truncation. */
  get pendingBytes(): number {
    return this.#rest?.length ?? 0;
  }
}
