import { describe, expect, it } from "vitest";
import { RollingWindow } from "../../src/pool/rolling-window.js";

describe("RollingWindow", () => {
  it("counts outcomes recorded within the window", () => {
    const window = new RollingWindow(1000, 0);
    window.record("success", 0);
    window.record("failure", 250);
    window.record("failure", 999);
    expect(window.counts(999)).toEqual({ requests: 3, failures: 2 });
  });

  it("drops each bucket (a tenth of the window) as the clock moves past it, without a timer", () => {
    const window = new RollingWindow(1000, 0);
    window.record("failure", 50);
    window.record("success", 550);
    expect(window.counts(999)).toEqual({ requests: 2, failures: 1 });
    expect(window.counts(1000)).toEqual({ requests: 1, failures: 0 });
    expect(window.counts(1499)).toEqual({ requests: 1, failures: 0 });
    expect(window.counts(1500)).toEqual({ requests: 0, failures: 0 });
  });

  it("reading never rotates: a later record still sees what belongs to its own window", () => {
    const window = new RollingWindow(1000, 0);
    window.record("failure", 900);
    expect(window.counts(5000)).toEqual({ requests: 0, failures: 0 });
    window.record("failure", 1500);
    expect(window.counts(1500)).toEqual({ requests: 2, failures: 2 });
  });

  it("starts afresh after a silence longer than the window", () => {
    const window = new RollingWindow(1000, 0);
    window.record("failure", 10);
    window.record("success", 60_000);
    expect(window.counts(60_000)).toEqual({ requests: 1, failures: 0 });
    window.record("failure", 60_950);
    expect(window.counts(60_999)).toEqual({ requests: 2, failures: 1 });
  });
});
