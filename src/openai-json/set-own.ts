/**
 * Sets an own, enumerable property, even when the key is `__proto__`: `JSON.parse` makes that an
 * ordinary key, and plain assignment would replace the target's prototype instead of carrying it.
 */
export function setOwn<T>(target: { [key: string]: T }, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
