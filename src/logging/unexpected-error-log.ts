import type { Logger } from "pino";

/** Reports errors the gateway did not expect (bugs, a failing store) as one error line each. */
export function unexpectedErrorLog(logger: Logger): (error: unknown) => void {
  return (error) => logger.error({ err: error }, "unexpected error");
}
