/**
 * Compiled code for a nested message type, compiled when first used: nested types compile
 * lazily, and a recursive type does not recurse at compile time.
 */
export class LazyCompiled<T> {
  #value: T | undefined;

  constructor(private readonly compile: () => T) {}

  get value(): T {
    return (this.#value ??= this.compile());
  }
}
