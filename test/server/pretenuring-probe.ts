/**
 * Run by v8-settings.test.ts under `--trace-pretenuring --trace-pretenuring-statistics`: with the
 * argument `gateway` it builds a gateway first, then it makes objects at one literal that all live
 * through several scavenges, which V8's pretenuring (when on) decides to tenure. What V8 decides
 * before the probe's own work (while tsx compiles the sources, say) comes before a line that says
 * where the probe starts.
 */
import { loadConfig } from "../../src/config/index.js";
import { buildGateway } from "../../src/server/build-gateway.js";
import { newKeySecret } from "../support/gateway-harness.js";

const PROBE_START = "probe: start";

const gateway = process.argv[2] === "gateway"
  ? await buildGateway(loadConfig({
      TENSORWALL_DB: ":memory:",
      TENSORWALL_ADMIN_KEY: newKeySecret(),
      AZURE_OPENAI_ENDPOINT: "http://127.0.0.1:9",
      AZURE_OPENAI_API_KEY: "unused",
      LOG_LEVEL: "silent",
    }))
  : undefined;

process.stdout.write(`${PROBE_START}\n`);

function entry(i: number): { i: number; pair: number[]; nested: { i: number } } {
  return { i, pair: [i, i], nested: { i } };
}

let kept: object[] = [];
for (let round = 0; round < 200; round++) {
  for (let i = 0; i < 5000; i++) kept.push(entry(i));
  // Garbage, so scavenges come while the entries are alive.
  for (let i = 0; i < 5000; i++) new Array(100).fill(i);
  if (kept.length > 200_000) kept = [];
}
await gateway?.close();
