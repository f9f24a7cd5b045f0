import type { AccessToken, TokenCredential } from "@azure/identity";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AdminService, CircuitState, KeyRole } from "../../gen/tensorwall/v1/admin_pb.js";
import type { EntraCredentialChoice } from "../../src/azure/index.js";
import { startPoolGateway, type PoolGateway } from "../pool/pool-gateway-harness.js";

const hello = { model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] };
const EAST = "eastus/gpt4o-ptu";
const WEST = "westeu/gpt4o-paygo";

describe("AdminService deployments", () => {
  let gw: PoolGateway;
  beforeAll(async () => {
    gw = await startPoolGateway();
  });
  afterAll(() => gw.close());
  beforeEach(async () => {
    gw.east.reset();
    gw.west.reset();
    for (const id of [EAST, WEST]) {
      await gw.admin.resetCircuit({ deploymentId: id });
      await gw.admin.setDeploymentEnabled({ deploymentId: id, enabled: true });
    }
  });
  afterEach(() => expect(gw.unexpectedErrors).toEqual([]));

  async function deployment(id: string) {
    const { deployments } = await gw.admin.listDeployments({});
    return deployments.find((listed) => listed.id === id)!;
  }

  it("lists every deployment with its routes, region, circuit and counts", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status503" });
    await gw.post(hello);
    const { deployments } = await gw.admin.listDeployments({});
    expect(deployments.map((listed) => listed.id)).toEqual([EAST, WEST]);
    expect(deployments[0]).toMatchObject({
      routes: ["gpt-4o"],
      endpoint: "eastus",
      region: "eastus",
      deployment: "gpt4o-ptu",
      model: "gpt-4o",
      circuitState: CircuitState.CLOSED,
      enabled: true,
      inFlight: 0,
      failureCount: 1n,
    });
    expect(deployments[1]).toMatchObject({ routes: ["gpt-4o"], region: "westeurope", successCount: 1n, failureCount: 0n });
  });

  it("shows a circuit opened by consecutive failures, which then gets no traffic until reset", async () => {
    gw.east.behave("gpt4o-ptu", { kind: "status500" }, { times: 3 });
    for (let i = 0; i < 3; i++) expect((await gw.post(hello)).headers.get("x-tensorwall-endpoint")).toBe("westeu");
    expect((await deployment(EAST)).circuitState).toBe(CircuitState.OPEN);
    expect(gw.events).toContainEqual({ deploymentId: EAST, event: expect.objectContaining({ type: "circuit", to: "open", reason: "consecutive_failures" }) });

    expect((await gw.post(hello)).headers.get("x-tensorwall-endpoint")).toBe("westeu");
    expect(gw.east.requests).toHaveLength(3);

    const reset = await gw.admin.resetCircuit({ deploymentId: EAST });
    expect(reset.deployment?.circuitState).toBe(CircuitState.CLOSED);
    expect((await gw.post(hello)).headers.get("x-tensorwall-endpoint")).toBe("eastus");
  });

  it("drains a deployment: traffic moves to the other region until it is enabled again", async () => {
    const drained = await gw.admin.setDeploymentEnabled({ deploymentId: EAST, enabled: false });
    expect(drained.deployment?.enabled).toBe(false);
    expect((await gw.post(hello)).headers.get("x-tensorwall-endpoint")).toBe("westeu");
    expect(gw.east.requests).toHaveLength(0);
    await gw.admin.setDeploymentEnabled({ deploymentId: EAST, enabled: true });
    expect((await gw.post(hello)).headers.get("x-tensorwall-endpoint")).toBe("eastus");
  });

  it("answers 503 upstream_unavailable when every deployment is drained", async () => {
    for (const id of [EAST, WEST]) await gw.admin.setDeploymentEnabled({ deploymentId: id, enabled: false });
    const result = await gw.post(hello);
    expect(result.status).toBe(503);
    expect(result.json.error?.code).toBe("upstream_unavailable");
  });

  it("says not_found for an unknown deployment id and invalid_argument for none", async () => {
    const unknown = await gw.admin.resetCircuit({ deploymentId: "nowhere/gpt" }).catch((error: unknown) => ConnectError.from(error));
    expect((unknown as ConnectError).code).toBe(Code.NotFound);
    const missing = await gw.admin.setDeploymentEnabled({ deploymentId: "", enabled: false }).catch((error: unknown) => ConnectError.from(error));
    expect((missing as ConnectError).code).toBe(Code.InvalidArgument);
  });

  it("refuses a key without the admin role", async () => {
    const created = await gw.admin.createKey({ name: "client", role: KeyRole.CLIENT });
    const client = createClient(
      AdminService,
      createConnectTransport({
        baseUrl: gw.url,
        httpVersion: "1.1",
        interceptors: [(next) => (req) => {
          req.header.set("authorization", `Bearer ${created.secret}`);
          return next(req);
        }],
      }),
    );
    const refused = await client.listDeployments({}).catch((error: unknown) => ConnectError.from(error));
    expect((refused as ConnectError).code).toBe(Code.PermissionDenied);
  });
});

describe("an endpoint authenticated with a managed identity", () => {
  const choices: EntraCredentialChoice[] = [];
  const scopes: (string | string[])[] = [];
  let gw: PoolGateway;
  beforeAll(async () => {
    gw = await startPoolGateway({
      west: { acceptedBearerTokens: ["entra-token-1"] },
      yaml: ({ east, west }) => `
endpoints:
  eastus: { url: "${east}", region: eastus, auth: managed_identity, client_id: "11111111-2222-3333-4444-555555555555" }
  westeu: { url: "${west}", region: westeurope, auth: managed_identity, client_id: "11111111-2222-3333-4444-555555555555" }
routes:
  gpt-4o:
    deployments:
      - { endpoint: westeu, deployment: gpt4o-paygo }
      - { endpoint: eastus, deployment: gpt4o-ptu, priority: 1 }
`,
      entraCredential: (choice): TokenCredential => {
        choices.push(choice);
        return {
          getToken: async (scope): Promise<AccessToken> => {
            scopes.push(scope);
            return { token: "entra-token-1", expiresOnTimestamp: Date.now() + 3_600_000 };
          },
        };
      },
    });
  });
  afterAll(() => gw.close());

  it("sends a bearer token for the Cognitive Services scope, one credential shared by both endpoints", async () => {
    expect((await gw.post(hello)).status).toBe(200);
    expect((await gw.post(hello)).status).toBe(200);
    expect(gw.west.requests[0]?.headers.authorization).toBe("Bearer entra-token-1");
    expect(gw.west.requests[0]?.headers["api-key"]).toBeUndefined();
    expect(choices).toEqual([{ kind: "managed_identity", clientId: "11111111-2222-3333-4444-555555555555" }]);
    expect(scopes).toEqual(["https://cognitiveservices.azure.com/.default"]);
    expect(gw.unexpectedErrors).toEqual([]);
  });

  it("fails over when a region refuses the token, without retrying that region", async () => {
    gw.west.behave("gpt4o-paygo", { kind: "status", status: 401, body: { error: { code: "401", message: "Access denied" } } });
    // East does not accept the token either: both refuse, and the caller hears it is the gateway's problem.
    const result = await gw.post(hello);
    expect(result.status).toBe(502);
    expect(result.json.error?.code).toBe("upstream_auth_failed");
    expect(gw.east.requests).toHaveLength(1);
  });
});
