import type { AccessToken, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { COGNITIVE_SERVICES_SCOPE, EntraTokenSource } from "../../src/azure/index.js";

const MINUTE = 60_000;

/** A credential whose every fetch waits until the test hands out a token (or a failure). */
function scriptedCredential() {
  const requests: { scopes: string | string[]; settle: (token: AccessToken | Error) => void }[] = [];
  const credential: TokenCredential = {
    getToken: (scopes) =>
      new Promise<AccessToken>((resolve, reject) => {
        requests.push({ scopes, settle: (token) => (token instanceof Error ? reject(token) : resolve(token)) });
      }),
  };
  return { credential, requests };
}

async function settled(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe("EntraTokenSource", () => {
  const never = new AbortController().signal;

  it("asks for the Cognitive Services scope once, however many requests need a token at the same time", async () => {
    let nowMs = 0;
    const { credential, requests } = scriptedCredential();
    const source = new EntraTokenSource(credential, { clock: () => nowMs });
    const waiting = Promise.all([source.getToken(never), source.getToken(never), source.getToken(never)]);
    await settled();
    expect(requests).toHaveLength(1);
    expect(requests[0]?.scopes).toBe(COGNITIVE_SERVICES_SCOPE);
    requests[0]?.settle({ token: "t1", expiresOnTimestamp: 60 * MINUTE });
    expect(await waiting).toEqual(["t1", "t1", "t1"]);
    nowMs = 30 * MINUTE;
    expect(await source.getToken(never)).toBe("t1");
    expect(requests).toHaveLength(1);
  });

  it("refreshes in the background before expiry while the current token keeps serving", async () => {
    let nowMs = 0;
    const { credential, requests } = scriptedCredential();
    const source = new EntraTokenSource(credential, { clock: () => nowMs, refreshBeforeExpiryMs: 5 * MINUTE });
    const first = source.getToken(never);
    requests[0]?.settle({ token: "t1", expiresOnTimestamp: 60 * MINUTE });
    await first;

    nowMs = 55 * MINUTE;
    expect(await source.getToken(never)).toBe("t1");
    expect(await source.getToken(never)).toBe("t1");
    expect(requests).toHaveLength(2);
    requests[1]?.settle({ token: "t2", expiresOnTimestamp: 120 * MINUTE });
    await settled();
    expect(await source.getToken(never)).toBe("t2");
  });

  it("honours the token's own refresh time when it names one", async () => {
    let nowMs = 0;
    const { credential, requests } = scriptedCredential();
    const source = new EntraTokenSource(credential, { clock: () => nowMs });
    const first = source.getToken(never);
    requests[0]?.settle({ token: "t1", expiresOnTimestamp: 60 * MINUTE, refreshAfterTimestamp: 30 * MINUTE });
    await first;
    nowMs = 30 * MINUTE;
    await source.getToken(never);
    expect(requests).toHaveLength(2);
  });

  it("never hands out a token about to expire: requests wait for the new one", async () => {
    let nowMs = 0;
    const { credential, requests } = scriptedCredential();
    const source = new EntraTokenSource(credential, { clock: () => nowMs, minRemainingValidityMs: MINUTE });
    const first = source.getToken(never);
    requests[0]?.settle({ token: "t1", expiresOnTimestamp: 60 * MINUTE });
    await first;

    nowMs = 59 * MINUTE;
    const waiting = source.getToken(never);
    await settled();
    expect(requests).toHaveLength(2);
    requests[1]?.settle({ token: "t2", expiresOnTimestamp: 120 * MINUTE });
    expect(await waiting).toBe("t2");
  });

  it("keeps serving the current token when a background refresh fails, and tries again later", async () => {
    let nowMs = 0;
    const { credential, requests } = scriptedCredential();
    const source = new EntraTokenSource(credential, { clock: () => nowMs });
    const first = source.getToken(never);
    requests[0]?.settle({ token: "t1", expiresOnTimestamp: 60 * MINUTE });
    await first;

    nowMs = 56 * MINUTE;
    await source.getToken(never);
    requests[1]?.settle(new Error("IMDS is having a moment"));
    await settled();
    expect(await source.getToken(never)).toBe("t1");
    expect(requests).toHaveLength(3);
  });

  it("fails the waiting requests when the first fetch fails, and fetches again on the next", async () => {
    const { credential, requests } = scriptedCredential();
    const source = new EntraTokenSource(credential, { clock: () => 0 });
    const failing = source.getToken(never);
    requests[0]?.settle(new Error("no managed identity here"));
    await expect(failing).rejects.toThrow("no managed identity here");
    const retry = source.getToken(never);
    requests[1]?.settle({ token: "t1", expiresOnTimestamp: 60 * MINUTE });
    expect(await retry).toBe("t1");
  });

  it("lets one caller stop waiting without failing the fetch the others share", async () => {
    const { credential, requests } = scriptedCredential();
    const source = new EntraTokenSource(credential, { clock: () => 0 });
    const leaving = new AbortController();
    const gone = source.getToken(leaving.signal);
    const staying = source.getToken(never);
    leaving.abort(new Error("caller left"));
    await expect(gone).rejects.toThrow("caller left");
    requests[0]?.settle({ token: "t1", expiresOnTimestamp: 60 * MINUTE });
    expect(await staying).toBe("t1");
    expect(requests).toHaveLength(1);
  });
});
