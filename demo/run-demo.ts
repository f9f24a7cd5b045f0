/**
 * `npm run demo`: TensorWall in front of two simulated Azure OpenAI regions on loopback, with a
 * pool config routing `gpt-4o` to eastus first and westeurope second. No Azure account needed.
 * It prints commands to paste into another terminal, and runs until Ctrl-C.
 *
 * PORT (default 8000) and DEMO_CONTROL_PORT (default 8001) choose the ports; a port in use falls
 * back to a free one.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config/index.js";
import { buildGateway, type Gateway } from "../src/server/build-gateway.js";
import { startFakeAzure } from "../test/support/fake-azure.js";
import { startRegionControl, type DemoRegion } from "./region-control.js";

const EAST_KEY = randomBytes(16).toString("hex");
const WEST_KEY = randomBytes(16).toString("hex");
const repo = dirname(dirname(fileURLToPath(import.meta.url)));

function poolYaml(east: string, west: string): string {
  return `# Written by npm run demo. Two regions, priority routing: eastus (provisioned) first.
endpoints:
  eastus: { url: "${east}", region: eastus, api_key_env: DEMO_AZURE_KEY_EASTUS }
  westeu: { url: "${west}", region: westeurope, api_key_env: DEMO_AZURE_KEY_WESTEU }
breaker:
  consecutive_failures: 3
  reset_timeout_ms: 15000
routes:
  gpt-4o:
    strategy: priority
    retry: { max_attempts: 3, backoff_base_ms: 100, backoff_max_ms: 1000 }
    timeouts: { request_ms: 30000, first_byte_ms: 10000, between_chunks_ms: 5000 }
    deployments:
      - { endpoint: eastus, deployment: gpt4o-ptu, model: gpt-4o, priority: 0 }
      - { endpoint: westeu, deployment: gpt4o-paygo, model: gpt-4o, priority: 1 }
`;
}

async function listen(gateway: Gateway, port: number): Promise<AddressInfo> {
  try {
    return await gateway.listen(port, "127.0.0.1");
  } catch (error) {
    if ((error as { code?: unknown }).code !== "EADDRINUSE") throw error;
    return gateway.listen(0, "127.0.0.1");
  }
}

async function main(): Promise<void> {
  const east = await startFakeAzure({ apiKey: EAST_KEY, deployments: ["gpt4o-ptu"], region: "eastus" });
  const west = await startFakeAzure({ apiKey: WEST_KEY, deployments: ["gpt4o-paygo"], region: "westeurope" });
  const regions: DemoRegion[] = [
    { name: "eastus", deployment: "gpt4o-ptu", fake: east },
    { name: "westeu", deployment: "gpt4o-paygo", fake: west },
  ];
  const dir = mkdtempSync(join(tmpdir(), "tensorwall-demo-"));
  const configFile = join(dir, "tensorwall.yaml");
  writeFileSync(configFile, poolYaml(east.url, west.url));

  const adminKey = `gw_${randomBytes(32).toString("base64url")}`;
  const config = loadConfig({
    HOST: "127.0.0.1",
    TENSORWALL_DB: ":memory:",
    TENSORWALL_ADMIN_KEY: adminKey,
    TENSORWALL_CONFIG: configFile,
    TENSORWALL_SHUTDOWN_GRACE_MS: "2000",
    DEMO_AZURE_KEY_EASTUS: EAST_KEY,
    DEMO_AZURE_KEY_WESTEU: WEST_KEY,
  });
  const gateway = await buildGateway(config);
  const address = await listen(gateway, Number(process.env["PORT"] ?? 8000));
  const control = await startRegionControl(regions, Number(process.env["DEMO_CONTROL_PORT"] ?? 8001)).catch(() => startRegionControl(regions, 0));

  process.stdout.write(instructions(`http://127.0.0.1:${address.port}`, control.url, adminKey, configFile));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("\nShutting down...\n");
    void (async () => {
      await control.close();
      await gateway.close();
      await Promise.all([east.close(), west.close()]);
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function instructions(gateway: string, control: string, key: string, configFile: string): string {
  const chat = `curl -s -D - $TW/v1/chat/completions -H "Authorization: Bearer $GW_KEY" -H "Content-Type: application/json" \\\n    -d '{"model":"gpt-4o","messages":[{"role":"user","content":"Hello!"}]}'`;
  const admin = (method: string, body: string) =>
    `npx buf curl --protocol connect --schema ${join(repo, "proto")} -H "Authorization: Bearer $GW_KEY" \\\n    -d '${body}' $TW/tensorwall.v1.AdminService/${method}`;
  return `
TensorWall demo: the gateway at ${gateway}, in front of two simulated Azure OpenAI regions,
eastus (priority 0) and westeurope (priority 1). Pool config: ${configFile}
Deployment events (circuit opened / half-open / closed, cooldowns) are logged below.

Paste these into another terminal:

  export TW=${gateway} GW_KEY=${key} CONTROL=${control}

1. A chat call. The x-tensorwall-* headers say which region served it and in how many attempts:

  ${chat}

2. A stream (Server-Sent Events, ending with data: [DONE]):

  curl -sN $TW/v1/chat/completions -H "Authorization: Bearer $GW_KEY" -H "Content-Type: application/json" \\
    -d '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Tell me a story"}]}'

3. Make eastus fail, and watch traffic move to westeurope (attempts: 2 while eastus is tried,
   then 1 once its circuit opens after 3 failures; it half-opens again after 15 s):

  curl -s -X POST $CONTROL/regions/eastus/fail
  for i in 1 2 3 4 5; do curl -s -o /dev/null -D - $TW/v1/chat/completions -H "Authorization: Bearer $GW_KEY" \\
    -d '{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}' | grep -i '^x-tensorwall-\\(region\\|attempts\\)'; done

4. See the breaker (circuitState, cooldownUntil, counts) in ListDeployments:

  ${admin("ListDeployments", "{}")}

5. Heal eastus and close its circuit at once (or wait for the half-open probe):

  curl -s -X POST $CONTROL/regions/eastus/heal
  ${admin("ResetCircuit", '{"deploymentId":"eastus/gpt4o-ptu"}')}

6. Azure's 429: rate limit eastus, and it cools down for exactly its retry-after-ms while
   westeurope serves (repeat the call from 1):

  curl -s -X POST "$CONTROL/regions/eastus/ratelimit?retry_after_ms=45000"

   Rate limit westeurope too: the call from 1 now answers 429 with Retry-After set to the earliest
   recovery. (A cooldown shorter than the route's 30 s deadline would be waited out instead.)

  curl -s -X POST "$CONTROL/regions/westeu/ratelimit?retry_after_ms=60000"

   Heal both; the gateway still honours the cooldowns Azure asked for, unless you reset them:

  curl -s -X POST $CONTROL/regions/eastus/heal; curl -s -X POST $CONTROL/regions/westeu/heal
  ${admin("ResetCircuit", '{"deploymentId":"westeu/gpt4o-paygo"}')}

7. Drain eastus for maintenance (requests already running finish), then bring it back:

  ${admin("SetDeploymentEnabled", '{"deploymentId":"eastus/gpt4o-ptu","enabled":false}')}
  ${admin("SetDeploymentEnabled", '{"deploymentId":"eastus/gpt4o-ptu","enabled":true}')}

  curl -s $CONTROL/            # what each simulated region does now

Ctrl-C stops everything.

`;
}

main().catch((error: unknown) => {
  process.stderr.write(`The demo failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
