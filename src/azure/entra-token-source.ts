import type { AccessToken, TokenCredential } from "@azure/identity";

/** The scope Azure OpenAI accepts Entra ID tokens for. */
export const COGNITIVE_SERVICES_SCOPE = "https://cognitiveservices.azure.com/.default";

export interface EntraTokenSourceOptions {
  /** The scope tokens are requested for. Default COGNITIVE_SERVICES_SCOPE. */
  readonly scope?: string;
  /**
   * How long before expiry a token is refreshed, in ms, when the token names no refresh time of its
   * own (`refreshAfterTimestamp`). The refresh runs in the background while the current token keeps
   * serving. Default 300_000 (Entra ID tokens live about an hour).
   */
  readonly refreshBeforeExpiryMs?: number;
  /**
   * A token with less validity left than this, in ms, is never sent: requests wait for a new one.
   * It covers the time a request takes to reach Azure. Default 60_000.
   */
  readonly minRemainingValidityMs?: number;
  /** Clock in epoch ms (tokens carry epoch-ms expiry times). Default Date.now. */
  readonly clock?: () => number;
}

/** What the source holds: nothing, a token, and/or the one fetch in flight. */
type TokenState =
  | { readonly kind: "empty" }
  | { readonly kind: "fetching"; readonly pending: Promise<AccessToken> }
  | { readonly kind: "ready"; readonly token: AccessToken }
  | { readonly kind: "refreshing"; readonly token: AccessToken; readonly pending: Promise<AccessToken> };

/**
 * Bearer tokens for Azure OpenAI from one Entra ID credential, cached and shared by every
 * deployment that uses the credential. A token is refreshed before it expires, by one fetch at a
 * time however many requests need it, and a request never carries a token about to expire.
 */
export class EntraTokenSource {
  readonly #credential: TokenCredential;
  readonly #scope: string;
  readonly #refreshBeforeExpiryMs: number;
  readonly #minRemainingValidityMs: number;
  readonly #clock: () => number;
  #state: TokenState = { kind: "empty" };

  constructor(credential: TokenCredential, options: EntraTokenSourceOptions = {}) {
    this.#credential = credential;
    this.#scope = options.scope ?? COGNITIVE_SERVICES_SCOPE;
    this.#refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 300_000;
    this.#minRemainingValidityMs = options.minRemainingValidityMs ?? 60_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** A token fit to send now. The signal only ends this caller's wait, never the shared fetch. */
  async getToken(signal: AbortSignal): Promise<string> {
    const nowMs = this.#clock();
    const state = this.#state;
    if (state.kind === "ready" || state.kind === "refreshing") {
      if (nowMs < this.#usableUntil(state.token)) {
        if (state.kind === "ready" && nowMs >= this.#refreshAt(state.token)) this.#refreshInBackground(state.token);
        return state.token.token;
      }
    }
    const pending = state.kind === "fetching" || state.kind === "refreshing" ? state.pending : this.#fetchNow();
    return (await untilAborted(pending, signal)).token;
  }

  #fetchNow(): Promise<AccessToken> {
    const pending = this.#fetch();
    this.#state = { kind: "fetching", pending };
    pending.then(
      (token) => this.#settle(pending, { kind: "ready", token }),
      () => this.#settle(pending, { kind: "empty" }),
    );
    return pending;
  }

  #refreshInBackground(current: AccessToken): void {
    const pending = this.#fetch();
    this.#state = { kind: "refreshing", token: current, pending };
    pending.then(
      (token) => this.#settle(pending, { kind: "ready", token }),
      // The current token still serves; the next request past the refresh time tries again.
      () => this.#settle(pending, { kind: "ready", token: current }),
    );
  }

  /** Applies a fetch's outcome, unless a newer fetch has replaced it meanwhile. */
  #settle(pending: Promise<AccessToken>, next: TokenState): void {
    const state = this.#state;
    if ((state.kind === "fetching" || state.kind === "refreshing") && state.pending === pending) this.#state = next;
  }

  async #fetch(): Promise<AccessToken> {
    const token = await this.#credential.getToken(this.#scope);
    if (token === null || token.token === "") throw new Error(`The Entra ID credential returned no token for ${this.#scope}.`);
    if (token.expiresOnTimestamp <= this.#clock() + this.#minRemainingValidityMs) {
      throw new Error("The Entra ID credential returned a token that expires too soon to use.");
    }
    return token;
  }

  #usableUntil(token: AccessToken): number {
    return token.expiresOnTimestamp - this.#minRemainingValidityMs;
  }

  #refreshAt(token: AccessToken): number {
    return Math.min(token.refreshAfterTimestamp ?? token.expiresOnTimestamp - this.#refreshBeforeExpiryMs, this.#usableUntil(token));
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
