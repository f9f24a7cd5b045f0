export { createLogger, flushLogger, type LoggerOptions } from "./create-logger.js";
export { poolEventLog } from "./pool-event-log.js";
export { unexpectedErrorLog } from "./unexpected-error-log.js";
export { logRecord } from "./log-record.js";
