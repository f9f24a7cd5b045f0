export { binaryEncoder, type BinaryEncoder } from "./binary-encoder.js";
export { binaryDecoder, type BinaryDecoder } from "./binary-decoder.js";
