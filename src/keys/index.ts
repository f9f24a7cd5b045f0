export { authorizeModel } from "./authorize-model.js";
export {
  assertKeyHashSecret,
  KEY_HASH_KEY_SETTING,
  MIN_KEY_HASH_SECRET_LENGTH,
  resolveKeyHashKey,
} from "./key-hash-key.js";
export {
  DEFAULT_ROTATION_GRACE_MS,
  ENV_ADMIN_KEY_ID,
  KeyRegistry,
  MAX_ROTATION_GRACE_MS,
  type CreatedKey,
  type EnsureAdminKeyResult,
  type KeyRegistryOptions,
  type ListOptions,
  type RotateOptions,
} from "./key-registry.js";
export {
  generateKeySecret,
  hashKeySecret,
  isWellFormedKeySecret,
  KEY_SECRET_PATTERN,
  KEY_SECRET_PREFIX,
} from "./key-secret.js";
export {
  MAX_BUDGET_NANO_USD,
  MAX_KEY_NAME_LENGTH,
  MAX_REQUESTS_PER_MINUTE,
  MAX_TOKENS_PER_MINUTE,
  normalizeNewKeyInput,
  type NewKeyInput,
  type NormalizedKeyInput,
} from "./new-key-input.js";
export type { Principal } from "./principal.js";
export { readGatewayKey, type HeaderGetter, type ReadGatewayKeyOptions } from "./read-gateway-key.js";
export { requireAdmin } from "./require-admin.js";
