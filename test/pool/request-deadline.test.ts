import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CallAbort } from "../../src/cancel/index.js";
import { RequestDeadline } from "../../src/pool/request-deadline.js";

describe("RequestDeadline", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires with the caller's reason when the caller goes away, and reports a cancellation", () => {
    const caller = new AbortController();
    const deadline = new RequestDeadline(caller.signal, 60_000, 0);
    const reason = new Error("client closed");
    caller.abort(reason);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(reason);
    expect(deadline.stopError(undefined)).toMatchObject({ code: "request_canceled", cause: reason });
    deadline.dispose();
  });

  it("starts stopped when the caller has already gone", () => {
    const caller = new AbortController();
    caller.abort();
    const deadline = new RequestDeadline(caller.signal, 60_000, 0);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.stopped(0)).toBe(true);
    deadline.dispose();
  });

  it("fires when its time is up, and reports a timeout or the last deployment's error", () => {
    const deadline = new RequestDeadline(new AbortController().signal, 1_000, 5_000);
    expect(deadline.atMs).toBe(6_000);
    vi.advanceTimersByTime(999);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.stopped(5_999)).toBe(false);
    expect(deadline.stopped(6_000)).toBe(true);
    vi.advanceTimersByTime(1);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.stopError(undefined).code).toBe("upstream_timeout");
    deadline.dispose();
  });

  it("fires its own signal at the deadline, leaving the caller's alone, and tells the two endings apart", () => {
    const caller = new CallAbort();
    const timedOut = new RequestDeadline(caller, 1_000, 0);
    vi.advanceTimersByTime(1_000);
    expect(timedOut.signal.aborted).toBe(true);
    expect(timedOut.signal.reason).toMatchObject({ code: "upstream_timeout" });
    expect(caller.aborted).toBe(false);
    expect(timedOut.stopError(undefined).code).toBe("upstream_timeout");
    timedOut.dispose();

    const left = new CallAbort();
    const canceled = new RequestDeadline(left, 1_000, 0);
    left.abort();
    expect(canceled.signal.aborted).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(canceled.stopError(undefined).code).toBe("request_canceled");
    canceled.dispose();
  });

  it("lets go of the caller and its timer once disposed", () => {
    const caller = new AbortController();
    const deadline = new RequestDeadline(caller.signal, 1_000, 0);
    deadline.dispose();
    caller.abort();
    vi.advanceTimersByTime(1_000);
    expect(deadline.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
