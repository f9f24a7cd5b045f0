import { ConfigError } from "./config-error.js";

interface Bounds {
  readonly min: number;
  readonly max: number;
}

/**
 * Reads one object of a parsed config file, tracking where it sits so every error names the
 * setting (`routes.gpt-4o.deployments[1].endpoint`). Objects with fixed keys start with `allow()`:
 * a key it does not list is a typo, which must not be silently ignored, nor hidden behind the
 * "required" error the typo causes.
 */
export class SettingReader {
  readonly path: string;
  readonly #object: Readonly<Record<string, unknown>>;

  constructor(path: string, value: unknown) {
    this.path = path;
    if (!isRecord(value)) throw new ConfigError(path, `expected a mapping of settings, got ${describe(value)}`);
    this.#object = value;
  }

  /** The full name of one key of this object. */
  at(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.#object[key] !== undefined && this.#object[key] !== null;
  }

  /** Fails on the first key not in `known`. */
  allow(...known: string[]): this {
    const unknown = Object.keys(this.#object).find((key) => !known.includes(key));
    if (unknown !== undefined) throw new ConfigError(this.at(unknown), `unknown setting; expected one of ${known.join(", ")}`);
    return this;
  }

  /** The raw value; undefined when absent (or null, which YAML writes as `key:`). */
  raw(key: string): unknown {
    const value = this.#object[key];
    return value === null ? undefined : value;
  }

  keys(): string[] {
    return Object.keys(this.#object);
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value.trim() === "") {
      throw new ConfigError(this.at(key), `expected a non-empty string, got ${describe(value)}`);
    }
    return value.trim();
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined) throw new ConfigError(this.at(key), "is required");
    return value;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
      throw new ConfigError(this.at(key), `expected one of ${choices.join(", ")}, got ${describe(value)}`);
    }
    return value as T;
  }

  integer(key: string, fallback: number, bounds: Bounds): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
      throw new ConfigError(this.at(key), `expected a whole number from ${bounds.min} to ${bounds.max}, got ${describe(value)}`);
    }
    return value;
  }

  number(key: string, fallback: number, bounds: Bounds & { readonly exclusiveMin?: boolean }): number {
    const value = this.raw(key);
    if (value === undefined) return fallback;
    const tooLow = typeof value === "number" && (bounds.exclusiveMin === true ? value <= bounds.min : value < bounds.min);
    if (typeof value !== "number" || !Number.isFinite(value) || tooLow || value > bounds.max) {
      const lower = bounds.exclusiveMin === true ? `above ${bounds.min}` : `from ${bounds.min}`;
      throw new ConfigError(this.at(key), `expected a number ${lower} to ${bounds.max}, got ${describe(value)}`);
    }
    return value;
  }

  /** A nested object; absent reads as an empty one, so its defaults apply. */
  object(key: string): SettingReader {
    return new SettingReader(this.at(key), this.raw(key) ?? {});
  }

  /** A list of objects, each with its own reader (`path[index]`). */
  list(key: string): SettingReader[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new ConfigError(this.at(key), `expected a list, got ${describe(value)}`);
    return value.map((item, index) => new SettingReader(`${this.at(key)}[${index}]`, item));
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (isRecord(value)) return "a mapping";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
