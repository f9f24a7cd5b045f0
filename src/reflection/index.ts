export { DescriptorIndex } from "./descriptor-index.js";
export { registerServerReflection } from "./register-server-reflection.js";
