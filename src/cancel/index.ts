export { CallAbort, toAbortSignal } from "./call-abort.js";
export type { CancelSignal } from "./cancel-signal.js";
