import type { WindowState } from "../store/index.js";

/**
 * OpenAI's rate-limit headers for the limits a key has: x-ratelimit-{limit,remaining,reset}-
 * {requests,tokens}. A key without a limit of a kind gets no headers of that kind.
 */
export function rateLimitHeaders(windows: { readonly requests?: WindowState; readonly tokens?: WindowState }): [string, string][] {
  const headers: [string, string][] = [];
  for (const kind of ["requests", "tokens"] as const) {
    const window = windows[kind];
    if (window === undefined) continue;
    headers.push(
      [`x-ratelimit-limit-${kind}`, String(window.limit)],
      [`x-ratelimit-remaining-${kind}`, String(window.remaining)],
      [`x-ratelimit-reset-${kind}`, formatDuration(window.resetMs)],
    );
  }
  return headers;
}

/** A duration the way OpenAI's reset headers write it: "20ms", "1.5s", "1m0s". */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const minutes = Math.floor(whole / 60_000);
  const seconds = (whole % 60_000) / 1000;
  const secondsText = `${Number(seconds.toFixed(3))}s`;
  return minutes === 0 ? secondsText : `${minutes}m${secondsText}`;
}
