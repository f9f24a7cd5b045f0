import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { EncodeBuffer } from "./encode-buffer.js";
import { messageFields, type MessageObject } from "./message-fields.js";

/** Encodes messages of one type to the protobuf binary format. */
export interface BinaryEncoder<T> {
  /**
   * The bytes `toBinary(schema, message)` gives, after `headroom` zeroed bytes (default 0) the
   * caller fills, such as a gRPC/Connect envelope header. The result may be a view into a pooled
   * ArrayBuffer (Buffer.allocUnsafe): read it through its byteOffset and byteLength, never
   * transfer its buffer.
   */
  encode(message: T, headroom?: number): Uint8Array;
}

const encoders = new WeakMap<DescMessage, BinaryEncoder<never>>();

/**
 * An encoder specialised for `schema`, built once per schema. Encoding makes one pass to size
 * the message and one to write it into a single buffer, where protobuf-es's reflective toBinary
 * allocates and concatenates a chunk per string and nested message.
 */
export function binaryEncoder<Desc extends DescMessage>(schema: Desc): BinaryEncoder<MessageShape<Desc>> {
  let encoder = encoders.get(schema) as BinaryEncoder<MessageShape<Desc>> | undefined;
  if (encoder === undefined) {
    encoder = compile<MessageShape<Desc>>(schema);
    encoders.set(schema, encoder);
  }
  return encoder;
}

function compile<T>(schema: DescMessage): BinaryEncoder<T> {
  const fields = messageFields(schema);
  return {
    encode(message, headroom = 0) {
      const object = message as MessageObject;
      const lengths: number[] = [];
      const size = fields.size(object, lengths);
      const bytes = Buffer.allocUnsafe(headroom + size);
      bytes.fill(0, 0, headroom);
      const out = new EncodeBuffer(bytes, headroom, lengths);
      fields.write(object, out);
      if (out.pos !== bytes.length) {
        // allocUnsafe memory holds old data; never hand out bytes the write pass did not fill.
        throw new Error(`${schema.typeName}: wrote ${out.pos - headroom} bytes, sized ${size}`);
      }
      return bytes;
    },
  };
}
