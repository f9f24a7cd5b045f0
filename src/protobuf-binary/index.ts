export { binaryEncoder, type BinaryEncoder } from "./binary-encoder.js";
