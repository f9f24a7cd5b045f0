export { authorizeModel } from "./authorize-model.js";
export {
  assertKeyHashSecret,
  KEY_HASH_KEY_SETTING,
  MIN_KEY_HASH_SECRET_LENGTH,
  resolveKeyHashKey,
} from "./key-hash-key.js";
export {
  ENV_ADMIN_KEY_ID,
  KeyRegistry,
  type CreatedKey,
  type EnsureAdminKeyResult,
  type KeyRegistryOptions,
  type ListOptions,
} from "./key-registry.js";
export {
  generateKeySecret,
  hashKeySecret,
  isWellFormedKeySecret,
  KEY_SECRET_PATTERN,
  KEY_SECRET_PREFIX,
} from "./key-secret.js";
export { MAX_KEY_NAME_LENGTH, normalizeNewKeyInput, type NewKeyInput } from "./new-key-input.js";
export type { Principal } from "./principal.js";
export { readGatewayKey, type HeaderGetter } from "./read-gateway-key.js";
export { requireAdmin } from "./require-admin.js";
