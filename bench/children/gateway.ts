/**
 * The real gateway, alone in its process: configured from the environment exactly as `npm start`
 * does (loadConfig + buildGateway), compiled by tsc like `npm run build`, run by plain `node`.
 * SIGTERM closes it and exits normally, so `--cpu-prof` gets to write its profile.
 */
import { loadConfig } from "../../src/config/index.js";
import { buildGateway } from "../../src/server/build-gateway.js";
import { serveParent } from "../lib/parent-channel.js";

const unexpectedErrors: string[] = [];
const config = loadConfig(process.env);
const gateway = await buildGateway(config, {
  onUnexpectedError: (error) => {
    // Kept for the orchestrator, which reports them; printing each one would flood a failing run.
    if (unexpectedErrors.length < 20) unexpectedErrors.push(error instanceof Error ? error.stack ?? error.message : String(error));
  },
});
const address = await gateway.listen(config.port, config.host);

process.once("SIGTERM", () => {
  gateway.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

serveParent({ url: `http://127.0.0.1:${address.port}` }, { unexpectedErrors: () => unexpectedErrors });
