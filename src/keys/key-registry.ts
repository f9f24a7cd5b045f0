import { randomBytes, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../errors/index.js";
import type { KeyRecord, KeyStore, StoredKey } from "../store/index.js";
import { assertKeyHashSecret, resolveKeyHashKey } from "./key-hash-key.js";
import { generateKeySecret, hashKeySecret, isWellFormedKeySecret } from "./key-secret.js";
import { normalizeNewKeyInput, type NewKeyInput } from "./new-key-input.js";
import type { Principal } from "./principal.js";
import { VerifiedKeyCache, type VerifiedKeyCacheOptions } from "./verified-key-cache.js";

export interface KeyRegistryOptions {
  readonly store: KeyStore;
  /**
   * HMAC key for stored secret hashes (config TENSORWALL_KEY_HASH_SECRET), at least 32
   * characters. Default: 32 random bytes generated on first start and kept in the store's
   * settings. Switching between the two later invalidates every existing key.
   */
  readonly hashSecret?: string;
  /** Milliseconds since the epoch, for creation and revocation times. Default Date.now. */
  readonly clock?: () => number;
  /** Bounds of the cache in front of the store's key lookup. Default: VerifiedKeyCache's. */
  readonly cache?: VerifiedKeyCacheOptions;
}

export interface CreatedKey {
  readonly record: KeyRecord;
  /** The plaintext secret; it exists only here and is never stored. */
  readonly secret: string;
}

export interface ListOptions {
  /** Include revoked keys. Default false. */
  readonly includeRevoked?: boolean;
}

export interface RotateOptions {
  /** How long the previous secret stays valid, in milliseconds; 0 ends it at once. Default one hour. */
  readonly gracePeriodMs?: number;
}

export interface EnsureAdminKeyResult {
  /** Set only on the start that generated an admin key: print it once, it is not kept. */
  readonly generatedSecret?: string;
}

/** Id of the admin key that mirrors TENSORWALL_ADMIN_KEY; later values get "-2", "-3", … */
export const ENV_ADMIN_KEY_ID = "admin-env";

/** How long a rotated-out secret keeps working unless the caller says otherwise. */
export const DEFAULT_ROTATION_GRACE_MS = 3_600_000;
/** The longest grace period a rotation may give the previous secret: 30 days. */
export const MAX_ROTATION_GRACE_MS = 30 * 86_400_000;

/** What the store said about a presented secret that matched a key not revoked. */
interface VerifiedKey {
  readonly principal: Principal;
  readonly matched: StoredKey["matched"];
  readonly expiresAtMs: number | undefined;
  readonly previousSecretExpiresAtMs: number | undefined;
}

/** Issues, lists, revokes and verifies gateway keys. */
export class KeyRegistry {
  readonly #store: KeyStore;
  readonly #hashSecret: string | undefined;
  readonly #clock: () => number;
  readonly #verified: VerifiedKeyCache<VerifiedKey>;
  #hashKey: Promise<Buffer> | undefined;

  constructor(options: KeyRegistryOptions) {
    // Checked here so a bad setting fails start-up, not the first request.
    if (options.hashSecret !== undefined) assertKeyHashSecret(options.hashSecret);
    this.#store = options.store;
    this.#hashSecret = options.hashSecret;
    this.#clock = options.clock ?? Date.now;
    this.#verified = new VerifiedKeyCache(options.cache);
  }

  async create(input: NewKeyInput): Promise<CreatedKey> {
    const nowMs = this.#clock();
    const { name, role, allowedModels, limits, expiresAtMs } = normalizeNewKeyInput(input, nowMs);
    const secret = generateKeySecret();
    const record: KeyRecord = {
      id: `key_${randomBytes(8).toString("hex")}`,
      name,
      role,
      allowedModels,
      limits,
      createdAtMs: nowMs,
      ...(expiresAtMs !== undefined && { expiresAtMs }),
    };
    await this.#store.insertKey(record, await this.#hash(secret));
    return { record, secret };
  }

  async list(options: ListOptions = {}): Promise<KeyRecord[]> {
    return this.#store.listKeys({ includeRevoked: options.includeRevoked ?? false });
  }

  /** Revoking an already revoked key changes nothing and returns it as it is. */
  async revoke(id: string): Promise<KeyRecord> {
    if (id === "") {
      throw new GatewayError("invalid_request", "Say which key to revoke.", { param: "id" });
    }
    const record = await this.#store.revokeKey(id, this.#clock());
    if (record === undefined) {
      throw new GatewayError("not_found", `There is no gateway key with id ${JSON.stringify(id)}.`, {
        param: "id",
      });
    }
    return record;
  }

  /**
   * Gives a key a new secret, returned once. The previous secret keeps working for the grace
   * period (so deployed clients can be switched over without an outage), then never again; a
   * secret rotated out earlier stops at once. A revoked key cannot be rotated, and the
   * TENSORWALL_ADMIN_KEY key changes only by changing that variable.
   */
  async rotate(id: string, options: RotateOptions = {}): Promise<CreatedKey> {
    if (id === "") throw new GatewayError("invalid_request", "Say which key to rotate.", { param: "id" });
    const gracePeriodMs = options.gracePeriodMs ?? DEFAULT_ROTATION_GRACE_MS;
    if (!Number.isSafeInteger(gracePeriodMs) || gracePeriodMs < 0 || gracePeriodMs > MAX_ROTATION_GRACE_MS) {
      throw new GatewayError(
        "invalid_request",
        `grace_period_seconds must be from 0 to ${MAX_ROTATION_GRACE_MS / 1000}.`,
        { param: "grace_period_seconds" },
      );
    }
    const existing = await this.#store.getKey(id);
    if (existing === undefined) {
      throw new GatewayError("not_found", `There is no gateway key with id ${JSON.stringify(id)}.`, { param: "id" });
    }
    if (isEnvAdminKeyId(id)) {
      throw new GatewayError(
        "invalid_request",
        "This key is TENSORWALL_ADMIN_KEY; change that variable and restart to replace its secret.",
        { param: "id" },
      );
    }
    const secret = generateKeySecret();
    const nowMs = this.#clock();
    const record = await this.#store.rotateKeySecret(
      id,
      await this.#hash(secret),
      gracePeriodMs > 0 ? nowMs + gracePeriodMs : undefined,
    );
    // Checked after the update too: a revocation may have landed in between, and then nothing changed.
    if (record === undefined || record.revokedAtMs !== undefined) {
      throw new GatewayError("invalid_request", "A revoked key cannot be rotated; create a new key instead.", { param: "id" });
    }
    return { record, secret };
  }

  /**
   * Who presents this secret. The store's answer is cached while the store's key generation stays
   * the same, for at most a few seconds (VerifiedKeyCache): a revocation or rotation through this
   * process refuses the very next request, and one made elsewhere as soon as the store hears of it
   * (PostgreSQL: its notification, see PostgresKeyChanges; another process on the same SQLite file:
   * within SqliteStore's otherWritersCheckMs). Expiry and the end of a rotation's grace period are
   * checked against the clock on every request.
   */
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (secret === undefined || secret === "") throw new GatewayError("missing_api_key");
    // Refused before hashing so junk (or an Azure key sent to the wrong place) costs no lookup.
    if (!isWellFormedKeySecret(secret)) {
      throw new GatewayError(
        "invalid_api_key",
        "The gateway key is malformed: expected 'gw_' followed by 43 base64url characters.",
      );
    }
    // Read before the store is asked, so a change landing meanwhile keeps the answer out of the cache.
    const generation = this.#store.keyGeneration();
    const askedAtMs = this.#clock();
    let verified = generation === undefined ? undefined : this.#verified.get(secret, generation, askedAtMs);
    if (verified === undefined) {
      verified = await this.#verify(secret);
      if (generation !== undefined) this.#verified.set(secret, verified, generation, askedAtMs);
    }
    const nowMs = this.#clock();
    const { previousSecretExpiresAtMs, expiresAtMs } = verified;
    if (verified.matched === "previous" && !(previousSecretExpiresAtMs !== undefined && nowMs < previousSecretExpiresAtMs)) {
      throw new GatewayError("invalid_api_key");
    }
    // The caller holds the secret, so saying that it expired reveals nothing and saves a support call.
    if (expiresAtMs !== undefined && nowMs >= expiresAtMs) {
      throw new GatewayError("invalid_api_key", "This gateway key has expired.");
    }
    return verified.principal;
  }

  /**
   * Makes sure an admin can get in. With TENSORWALL_ADMIN_KEY set, that secret becomes an admin
   * key (a changed value revokes the previous one; unsetting it revokes nothing). Without it, an
   * admin key is generated only when no active admin key exists, and its secret returned once.
   * Throws a plain Error, meant to stop start-up, when the configured value cannot be used.
   */
  async ensureAdminKey(adminSecretFromEnv?: string): Promise<EnsureAdminKeyResult> {
    if (adminSecretFromEnv === undefined) return this.#ensureSomeAdminKey();
    if (!isWellFormedKeySecret(adminSecretFromEnv)) {
      throw new Error(
        "TENSORWALL_ADMIN_KEY must be 'gw_' followed by 43 base64url characters (A-Z a-z 0-9 - _), " +
          "for example the output of: node -e \"console.log('gw_' + require('node:crypto').randomBytes(32).toString('base64url'))\"",
      );
    }
    const hash = await this.#hash(adminSecretFromEnv);
    const found = await this.#store.findKeyBySecretHash(hash);
    if (found?.matched === "previous") {
      // A rotated-out secret may have leaked; rotation was meant to retire it.
      throw new Error(
        `TENSORWALL_ADMIN_KEY is a rotated-out secret of key '${found.record.id}'; set it to a new secret.`,
      );
    }
    let current = found?.record;
    if (current === undefined) {
      const record: KeyRecord = {
        id: await this.#nextEnvAdminKeyId(),
        name: "admin (TENSORWALL_ADMIN_KEY)",
        role: "admin",
        allowedModels: [],
        limits: {},
        createdAtMs: this.#clock(),
      };
      try {
        await this.#store.insertKey(record, hash);
        current = record;
      } catch (error) {
        // Another replica starting at the same moment may have inserted the same secret.
        current = (await this.#store.findKeyBySecretHash(hash))?.record;
        if (current === undefined) throw error;
      }
    }
    if (current.role !== "admin") {
      throw new Error(
        `TENSORWALL_ADMIN_KEY is the secret of client key '${current.id}', not an admin key; set it to a new secret.`,
      );
    }
    if (current.revokedAtMs !== undefined) {
      // A revoked secret may have leaked; bringing it back to life would undo the revocation.
      throw new Error(
        `TENSORWALL_ADMIN_KEY is the secret of admin key '${current.id}', which was revoked; set it to a new secret.`,
      );
    }
    // The new key exists before the old one goes, so there is never a moment without an admin.
    for (const key of await this.#store.listKeys()) {
      if (isEnvAdminKeyId(key.id) && key.id !== current.id) {
        await this.#store.revokeKey(key.id, this.#clock());
      }
    }
    return {};
  }

  async #ensureSomeAdminKey(): Promise<EnsureAdminKeyResult> {
    const active = await this.#store.listKeys();
    const nowMs = this.#clock();
    // An expired admin key lets nobody in, so it does not count.
    if (active.some((key) => key.role === "admin" && (key.expiresAtMs === undefined || key.expiresAtMs > nowMs))) return {};
    const { secret } = await this.create({ name: "admin (generated at start-up)", role: "admin" });
    return { generatedSecret: secret };
  }

  async #nextEnvAdminKeyId(): Promise<string> {
    const all = await this.#store.listKeys({ includeRevoked: true });
    let highest = 0;
    for (const { id } of all) {
      if (id === ENV_ADMIN_KEY_ID) highest = Math.max(highest, 1);
      else if (isEnvAdminKeyId(id)) {
        highest = Math.max(highest, Number(id.slice(ENV_ADMIN_KEY_ID.length + 1)) || 0);
      }
    }
    return highest === 0 ? ENV_ADMIN_KEY_ID : `${ENV_ADMIN_KEY_ID}-${highest + 1}`;
  }

  /** Asks the store; throws invalid_api_key unless the secret matches a key not revoked. */
  async #verify(secret: string): Promise<VerifiedKey> {
    const hash = await this.#hash(secret);
    const found = await this.#store.findKeyBySecretHash(hash);
    const matches =
      found !== undefined &&
      found.secretHash.byteLength === hash.byteLength &&
      timingSafeEqual(found.secretHash, hash);
    // Unknown, revoked and rotated out read the same, so the answer does not reveal which keys once existed.
    if (!matches || found.record.revokedAtMs !== undefined) {
      throw new GatewayError("invalid_api_key");
    }
    const { id, name, role, allowedModels, limits, expiresAtMs, previousSecretExpiresAtMs } = found.record;
    return {
      principal: { keyId: id, name, role, allowedModels, limits },
      matched: found.matched,
      expiresAtMs,
      previousSecretExpiresAtMs,
    };
  }

  async #hash(secret: string): Promise<Buffer> {
    this.#hashKey ??= resolveKeyHashKey(this.#store, this.#hashSecret).catch((error: unknown) => {
      // Let a transient store failure be retried by the next call instead of sticking.
      this.#hashKey = undefined;
      throw error;
    });
    return hashKeySecret(await this.#hashKey, secret);
  }
}

function isEnvAdminKeyId(id: string): boolean {
  return id === ENV_ADMIN_KEY_ID || /^admin-env-\d+$/.test(id);
}
