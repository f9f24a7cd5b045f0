/**
 * Two gateway processes sharing PostgreSQL (keys, ledger) and Redis (counters), as replicas behind
 * a load balancer would: one key's requests-per-minute limit holds across both exactly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AdminService, KeyRole } from "../../gen/tensorwall/v1/admin_pb.js";
import { startFakeAzure, type FakeAzure } from "../support/fake-azure.js";
import { FAKE_AZURE_KEY, newKeySecret } from "../support/gateway-harness.js";
import { createTestRedis, createTestSchema, TEST_REDIS_URL, type TestRedis, type TestSchema } from "../store/test-services.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
  readonly stderr: string[];
}

let fake: FakeAzure;
let schema: TestSchema;
let redis: TestRedis;
const adminKey = newKeySecret();
const replicas: Replica[] = [];
let keyId: string | undefined;

async function startReplica(): Promise<Replica> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: schema.url,
      REDIS_URL: TEST_REDIS_URL,
      TENSORWALL_ADMIN_KEY: adminKey,
      AZURE_OPENAI_ENDPOINT: fake.url,
      AZURE_OPENAI_API_KEY: FAKE_AZURE_KEY,
      TENSORWALL_SHUTDOWN_GRACE_MS: "500",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`replica exited with ${code} before listening: ${stderr.join("\n")}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = line.startsWith("{") ? (JSON.parse(line) as { msg?: string; port?: number }) : {};
      if (entry.msg === "listening" && entry.port !== undefined) resolve(entry.port);
    });
  });
  const replica = { url: `http://127.0.0.1:${port}`, child, stderr };
  replicas.push(replica);
  return replica;
}

function stop(replica: Replica): Promise<number | null> {
  if (replica.child.exitCode !== null) return Promise.resolve(replica.child.exitCode);
  return new Promise((resolve) => {
    replica.child.once("exit", (code) => resolve(code));
    replica.child.kill("SIGTERM");
  });
}

beforeAll(async () => {
  fake = await startFakeAzure({ apiKey: FAKE_AZURE_KEY, deployments: ["gpt-4o"] });
  schema = await createTestSchema();
  redis = await createTestRedis();
}, 30_000);

afterAll(async () => {
  await Promise.all(replicas.map(stop));
  // The replicas use the default prefix; their counters are named after the (random) key id.
  const counters = keyId === undefined ? [] : await redis.redis.keys(`tensorwall:{${keyId}}*`);
  if (counters.length > 0) await redis.redis.del(...counters);
  await redis.cleanUp();
  await schema.drop();
  await fake.close();
}, 30_000);

it("two replicas admit exactly 60 of 100 requests for a 60-per-minute key, record all 100, and share revocation at once", async () => {
  const [a, b] = await Promise.all([startReplica(), startReplica()]);
  const admin = createClient(
    AdminService,
    createConnectTransport({ baseUrl: a!.url, httpVersion: "1.1", interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${adminKey}`), next(req))] }),
  );
  const created = await admin.createKey({ name: `replicas-${randomBytes(3).toString("hex")}`, role: KeyRole.CLIENT, limits: { requestsPerMinute: 60 } });
  keyId = created.key!.id;

  const statuses = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const response = await fetch(`${(i % 2 === 0 ? a : b)!.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${created.secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "azure/gpt-4o", messages: [{ role: "user", content: `Hello ${i}` }] }),
      });
      await response.text();
      return response.status;
    }),
  );
  expect(statuses.filter((s) => s === 200)).toHaveLength(60);
  expect(statuses.filter((s) => s === 429)).toHaveLength(40);
  // Both replicas took part in admitting.
  expect(statuses.filter((s, i) => s === 200 && i % 2 === 0).length).toBeGreaterThan(0);
  expect(statuses.filter((s, i) => s === 200 && i % 2 === 1).length).toBeGreaterThan(0);

  // A revocation made through one replica refuses the very next request on the other.
  await admin.revokeKey({ id: keyId });
  const afterRevoke = await fetch(`${b!.url}/v1/models`, { headers: { authorization: `Bearer ${created.secret}` } });
  expect(afterRevoke.status).toBe(401);

  // Graceful shutdown writes what each replica still holds.
  expect(await Promise.all([stop(a!), stop(b!)])).toEqual([0, 0]);
  const rows = await schema.query<{ status: string; count: string }>(
    "SELECT status, COUNT(*) AS count FROM usage_records WHERE key_id = $1 GROUP BY status ORDER BY status",
    [keyId],
  );
  expect(rows).toEqual([
    { status: "ok", count: "60" },
    { status: "rate_limit_exceeded", count: "40" },
  ]);
  expect(fake.requests).toHaveLength(60);
  expect([...a!.stderr, ...b!.stderr]).toEqual([]);
}, 60_000);
