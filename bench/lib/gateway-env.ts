import { mkdtempSync } from "node:fs";
import { join } from "node:path";

/** The API key the fake Azure is sent by every gateway and proxy the bench starts. */
export const BENCH_AZURE_KEY = "bench-azure-key";

/**
 * A bench gateway's environment: configured as `npm start` configures it, in front of the fake at
 * `fakeUrl`, with `adminKey`, and with its SQLite database in a new folder under `dataDir`. A file,
 * as `npm start` has by default: an in-memory database would hide what writing the ledger to disk
 * costs.
 */
export function gatewayEnv(fakeUrl: string, adminKey: string, dataDir: string): Record<string, string> {
  return {
    HOST: "127.0.0.1",
    PORT: "0",
    TENSORWALL_DB: join(mkdtempSync(join(dataDir, "gateway-")), "tensorwall.db"),
    TENSORWALL_ADMIN_KEY: adminKey,
    AZURE_OPENAI_ENDPOINT: fakeUrl,
    AZURE_OPENAI_API_KEY: BENCH_AZURE_KEY,
    AZURE_OPENAI_REGION: "eastus",
    TENSORWALL_SHUTDOWN_GRACE_MS: "2000",
  };
}
