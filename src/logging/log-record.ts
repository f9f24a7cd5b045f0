import { pino, type Level, type Logger } from "pino";

const NEEDS_METADATA: unique symbol = Symbol.for("pino.metadata") as never;

/** What a line is built from, kept by a pino logger under the symbols pino exports as `pino.symbols`. */
interface LineParts {
  readonly [pino.symbols.lsCacheSym]: Record<number, string>;
  [pino.symbols.timeSym](): string;
  readonly [pino.symbols.chindingsSym]: string;
  readonly [pino.symbols.messageKeySym]: string;
  readonly [pino.symbols.endSym]: string;
  /** Multistream marks itself as a destination that reads each line's level from the logger. */
  readonly [pino.symbols.streamSym]: { write(line: string): unknown; readonly [NEEDS_METADATA]?: boolean };
}

/**
 * Logs `record` and `msg` at `level`, the line byte for byte what `logger[level](record, msg)`
 * writes, for a logger made by createLogger (no mixin, hooks, redaction or log formatter). The
 * caller checks the level is enabled.
 *
 * pino escapes every key and value on its own and joins the line a field at a time; for the
 * request line (about 25 fields, once per request) that came to about 8 KB of short-lived strings.
 * Here one JSON.stringify writes all the fields.
 */
export function logRecord(logger: Logger, level: Level, record: object, msg: string): void {
  const parts = logger as unknown as LineParts;
  const stream = parts[pino.symbols.streamSym];
  if (stream[NEEDS_METADATA] === true) {
    logger[level](record, msg);
    return;
  }
  const fields = JSON.stringify(record);
  stream.write(
    `${parts[pino.symbols.lsCacheSym][logger.levels.values[level]!]}${parts[pino.symbols.timeSym]()}${parts[pino.symbols.chindingsSym]}` +
      `${fields.length > 2 ? `,${fields.slice(1, -1)}` : ""},${JSON.stringify(parts[pino.symbols.messageKeySym])}:${JSON.stringify(msg)}${parts[pino.symbols.endSym]}`,
  );
}
