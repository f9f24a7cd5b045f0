import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeAzure } from "../test/support/fake-azure.js";

/** One simulated region the demo can break and heal. */
export interface DemoRegion {
  readonly name: string;
  readonly deployment: string;
  readonly fake: FakeAzure;
}

/**
 * A tiny HTTP API on loopback that changes how a simulated region answers:
 *   POST /regions/<name>/fail                     every request gets 503
 *   POST /regions/<name>/ratelimit?retry_after_ms=N  every request gets 429 with retry-after-ms N
 *   POST /regions/<name>/slow?ms=N                streams wait N ms between chunks
 *   POST /regions/<name>/heal                     back to normal
 *   GET  /                                        what each region does now
 */
export async function startRegionControl(regions: readonly DemoRegion[], port: number): Promise<{ url: string; close(): Promise<void> }> {
  const modes = new Map(regions.map((region) => [region.name, "normal"]));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    const reply = (status: number, text: string): void => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${text}\n`);
    };
    if (req.method === "GET" && url.pathname === "/") {
      return reply(200, [...modes].map(([name, mode]) => `${name}: ${mode}`).join("\n"));
    }
    const match = /^\/regions\/([^/]+)\/(fail|ratelimit|slow|heal)$/.exec(url.pathname);
    const region = regions.find((candidate) => candidate.name === match?.[1]);
    if (req.method !== "POST" || match === null || region === undefined) {
      return reply(404, `Try POST /regions/{${regions.map((r) => r.name).join("|")}}/{fail|ratelimit|slow|heal}`);
    }
    const action = match[2];
    region.fake.reset();
    const standing = { times: Infinity };
    if (action === "fail") {
      region.fake.behave(region.deployment, { kind: "status503" }, standing);
      modes.set(region.name, "failing with 503");
    } else if (action === "ratelimit") {
      const retryAfterMs = Number(url.searchParams.get("retry_after_ms") ?? 10_000);
      region.fake.behave(region.deployment, { kind: "status429", retryAfterMs }, standing);
      modes.set(region.name, `rate limited (retry-after-ms ${retryAfterMs})`);
    } else if (action === "slow") {
      const chunkDelayMs = Number(url.searchParams.get("ms") ?? 500);
      region.fake.behave(region.deployment, { kind: "normal", chunkDelayMs }, standing);
      modes.set(region.name, `slow (${chunkDelayMs} ms between chunks)`);
    } else {
      modes.set(region.name, "normal");
    }
    reply(200, `${region.name}: ${modes.get(region.name)}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
