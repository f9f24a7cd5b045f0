import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/index.js";

export interface LoggerOptions {
  /** The least severe level written. */
  readonly level: LogLevel;
  /**
   * Where lines go. Default: stdout, written asynchronously so logging never blocks a request;
   * call `flushLogger` before the process exits.
   */
  readonly destination?: DestinationStream;
}

/**
 * The gateway's one logger: a JSON object per line, with an ISO time and the level by name
 * (`"level":"info"`), so any log pipeline reads it without knowing pino.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Writes whatever the logger still buffers; for the moment before the process exits. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
