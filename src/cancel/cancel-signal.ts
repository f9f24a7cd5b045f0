/**
 * What the gateway's own code needs of a signal that a call is to stop. An AbortSignal is one;
 * so is a CallAbort, which costs a call far less to make and to listen to.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  /** Why it fired; undefined until then. */
  readonly reason: unknown;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}
