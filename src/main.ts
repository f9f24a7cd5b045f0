import { ConfigError, loadConfig } from "./config/index.js";
import { buildGateway } from "./server/build-gateway.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const gateway = await buildGateway(config);
  if (gateway.generatedAdminKey !== undefined) {
    process.stdout.write(
      `\nTensorWall generated an admin key. It is stored hashed and will not be shown again:\n\n  ${gateway.generatedAdminKey}\n\n`,
    );
  }
  const address = await gateway.listen(config.port, config.host);
  log("listening", { host: address.address, port: address.port, tls: config.tls !== undefined });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log("shutting down", { signal });
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log("shutdown failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function log(msg: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ level: "info", time: new Date().toISOString(), msg, ...fields })}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : String(error);
  process.stderr.write(`TensorWall failed to start: ${message}\n`);
  process.exit(1);
});
