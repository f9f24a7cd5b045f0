import type { Logger } from "pino";
import { ConfigError, loadConfig, type GatewayConfig } from "./config/index.js";
import { createLogger, flushLogger } from "./logging/index.js";
import { buildGateway } from "./server/build-gateway.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.observability.logLevel });
  try {
    await serve(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, "failed to start");
    await flushLogger(logger);
    process.exit(1);
  }
}

async function serve(config: GatewayConfig, logger: Logger): Promise<void> {
  const gateway = await buildGateway(config, { logger });
  if (gateway.generatedAdminKey !== undefined) {
    // Deliberately not a log line: the key is shown once, to the operator's terminal, and must not
    // be kept by a log pipeline.
    process.stdout.write(
      `\nTensorWall generated an admin key. It is stored hashed and will not be shown again:\n\n  ${gateway.generatedAdminKey}\n\n`,
    );
  }
  const address = await gateway.listen(config.port, config.host);
  logger.info({ host: address.address, port: address.port, tls: config.tls !== undefined }, "listening");

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
    gateway.close().then(
      async () => {
        logger.info("stopped");
        await flushLogger(logger);
        process.exit(0);
      },
      async (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        await flushLogger(logger);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  // Only a configuration error gets here: before it is read there is no logger (LOG_LEVEL may be the bad setting).
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : String(error);
  process.stderr.write(`TensorWall failed to start: ${message}\n`);
  process.exit(1);
});
