/**
 * Money is held as a bigint count of nano-dollars (10^-9 USD). Every built-in price is a whole
 * number of nano-dollars per token, so a cost is an exact integer: no float ever touches it.
 * Decimal strings are used only at the edges (config, the admin API).
 */
export const NANO_USD_PER_USD = 1_000_000_000n;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a non-negative decimal string ("25", "0.075") into whole units of 10^-decimals. Throws a
 * RangeError saying what is wrong; callers turn it into their own error naming the field.
 */
export function parseDecimal(text: string, decimals: number): bigint {
  const match = DECIMAL.exec(text.trim());
  if (match === null) throw new RangeError(`expected a non-negative decimal number such as "2.50", got "${text}"`);
  const whole = match[1]!;
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new RangeError(`"${text}" has more than ${decimals} decimal places`);
  }
  return BigInt(whole + fraction.padEnd(decimals, "0"));
}

/** "25.00" → 25 000 000 000 nano-dollars; at most 9 decimal places. */
export function parseUsd(text: string): bigint {
  return parseDecimal(text, 9);
}

/**
 * Nano-dollars as an exact decimal string in dollars: trailing zeros trimmed, but always at least
 * cents ("25.00", "0.0025", "0.000000075").
 */
export function formatUsd(nanoUsd: bigint): string {
  const sign = nanoUsd < 0n ? "-" : "";
  const magnitude = nanoUsd < 0n ? -nanoUsd : nanoUsd;
  const whole = magnitude / NANO_USD_PER_USD;
  const fraction = (magnitude % NANO_USD_PER_USD).toString().padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${whole}.${fraction}`;
}
