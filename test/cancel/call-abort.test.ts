import { describe, expect, it } from "vitest";
import { CallAbort, toAbortSignal } from "../../src/cancel/index.js";

describe("CallAbort", () => {
  it("fires each listener once, with the first reason, as an AbortController's signal does", () => {
    const abort = new CallAbort();
    const heard: unknown[] = [];
    abort.addEventListener("abort", () => heard.push(abort.reason));
    abort.addEventListener("abort", () => heard.push("second"));
    expect(abort.aborted).toBe(false);
    expect(abort.reason).toBeUndefined();
    const reason = new Error("caller left");
    abort.abort(reason);
    abort.abort(new Error("later"));
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe(reason);
    expect(heard).toEqual([reason, "second"]);
  });

  it("gives the reason AbortController.abort() gives when none is passed", () => {
    const abort = new CallAbort();
    abort.abort();
    const controller = new AbortController();
    controller.abort();
    expect(abort.reason).toBeInstanceOf(DOMException);
    expect(abort.reason).toMatchObject({ name: (controller.signal.reason as DOMException).name, message: (controller.signal.reason as DOMException).message });
  });

  it("does not call a listener removed before the abort, nor one added after it", () => {
    const abort = new CallAbort();
    const heard: string[] = [];
    const removed = (): void => void heard.push("removed");
    abort.addEventListener("abort", removed);
    abort.addEventListener("abort", () => heard.push("kept"));
    abort.removeEventListener("abort", removed);
    abort.abort();
    abort.addEventListener("abort", () => heard.push("late"));
    expect(heard).toEqual(["kept"]);
  });

  it("lets a listener remove itself, or another, while the abort is being told", () => {
    const abort = new CallAbort();
    const heard: string[] = [];
    const second = (): void => void heard.push("second");
    const first = (): void => {
      heard.push("first");
      abort.removeEventListener("abort", first);
      abort.removeEventListener("abort", second);
    };
    abort.addEventListener("abort", first);
    abort.addEventListener("abort", second);
    abort.abort();
    expect(heard).toEqual(["first", "second"]);
  });
});

describe("toAbortSignal", () => {
  it("makes one AbortSignal for a CallAbort, which fires with it and with its reason", () => {
    const abort = new CallAbort();
    const signal = toAbortSignal(abort);
    expect(toAbortSignal(abort)).toBe(signal);
    let heard: unknown;
    signal.addEventListener("abort", () => (heard = signal.reason));
    const reason = new Error("shutting down");
    abort.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(heard).toBe(reason);
  });

  it("makes an already aborted AbortSignal for a CallAbort that has fired", () => {
    const abort = new CallAbort();
    const reason = new Error("gone");
    abort.abort(reason);
    const signal = toAbortSignal(abort);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it("hands an AbortSignal back as it is", () => {
    const signal = new AbortController().signal;
    expect(toAbortSignal(signal)).toBe(signal);
  });
});
