import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../support/gateway-harness.js";

// A real reflection client: buf curl, from our dev dependencies. It must run asynchronously, since
// the gateway it talks to shares this process's event loop.
const BUF = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));
const run = promisify(execFile);

let gw: TestGateway;
let key: string;
beforeAll(async () => {
  gw = await startTestGateway({ env: { AZURE_OPENAI_DEPLOYMENTS: "gpt-4o,gpt-4o-mini" } });
  key = (await gw.createKey()).secret;
});
afterAll(() => gw.close());
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

/** buf curl over h2c with no --schema, from a directory holding no protos: it can only use reflection. */
async function bufCurl(args: string[]): Promise<string> {
  const { stdout } = await run(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { cwd: tmpdir(), timeout: 10_000 });
  return stdout;
}

describe("buf curl against a running gateway, by reflection alone", () => {
  it("lists the services", async () => {
    const services = (await bufCurl(["--list-services", gw.url])).trim().split("\n");
    expect(services).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "tensorwall.v1.AdminService",
      "tensorwall.v1.ChatService",
    ]);
  });

  it.each(["grpc-v1", "grpc-v1alpha"])("calls ChatService.ListModels with a key, reflecting over %s", async (protocol) => {
    const out = await bufCurl([
      "--reflect-protocol",
      protocol,
      "-H",
      `x-api-key: ${key}`,
      "-d",
      "{}",
      `${gw.url}/tensorwall.v1.ChatService/ListModels`,
    ]);
    const models = (JSON.parse(out) as { models: { id: string }[] }).models.map((model) => model.id);
    expect(models).toEqual(["gpt-4o", "gpt-4o-mini"]);
  });

  it("checks health with no key, as a probe would", async () => {
    const out = await bufCurl(["-d", '{"service":"tensorwall.v1.ChatService"}', `${gw.url}/grpc.health.v1.Health/Check`]);
    expect(JSON.parse(out)).toEqual({ status: "SERVING" });
  });
});
