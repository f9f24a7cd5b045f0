import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/index.js";

export interface LoggerOptions {
  /** The least severe level written. */
  readonly level: LogLevel;
  /**
   * Where lines go. Default: stdout, written asynchronously so logging never blocks a request, in
   * batches of about 4 KB, and at least every FLUSH_INTERVAL_MS; call `flushLogger` before the
   * process exits.
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
      timestamp: isoTimeOncePerMillisecond(),
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? batchedStdout(),
  );
}

/**
 * pino's isoTime, formatted once per millisecond: under load several lines share a millisecond, and
 * formatting a Date costs a line about 3 µs.
 */
function isoTimeOncePerMillisecond(): () => string {
  let formattedMs = Number.NaN;
  let formatted = "";
  return () => {
    const nowMs = Date.now();
    if (nowMs !== formattedMs) {
      formattedMs = nowMs;
      formatted = `,"time":"${new Date(nowMs).toISOString()}"`;
    }
    return formatted;
  };
}

/** How long a line may wait in the batch before it is written anyway. */
const FLUSH_INTERVAL_MS = 250;

/**
 * Stdout, written a batch at a time: a write per line is a hand-off to libuv's thread pool and a
 * wake-up of the event loop for every request. pino writes what is left when the process exits.
 */
function batchedStdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const flush = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Destroyed: the logger has been closed.
      clearInterval(flush);
    }
  }, FLUSH_INTERVAL_MS);
  flush.unref();
  return destination;
}

/** Writes whatever the logger still buffers; for the moment before the process exits. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
