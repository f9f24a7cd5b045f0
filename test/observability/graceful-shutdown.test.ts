/**
 * The real process (`node --import tsx src/main.ts`) on SIGTERM: it stops accepting at once, lets a
 * stream that finishes within TENSORWALL_SHUTDOWN_GRACE_MS finish, ends the streams still running
 * after it with a clean error on both doors, writes the usage ledger and exits 0.
 */
import Database from "better-sqlite3";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { ChatService, Role } from "../../gen/tensorwall/v1/chat_pb.js";
import { startFakeAzure, type FakeAzure } from "../support/fake-azure.js";
import { FAKE_AZURE_KEY, newKeySecret } from "../support/gateway-harness.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const GRACE_MS = 1200;

let fake: FakeAzure | undefined;
let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(async () => {
  if (child?.exitCode === null) child.kill("SIGKILL");
  await fake?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

type Line = Record<string, unknown>;

function waitForLine(lines: Line[], waiters: (() => void)[], match: (line: Line) => boolean): Promise<Line> {
  return new Promise((resolve) => {
    const check = (): void => {
      const found = lines.find(match);
      if (found === undefined) waiters.push(check);
      else resolve(found);
    };
    check();
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

it("on SIGTERM refuses new connections, lets streams finish within the grace period, ends the rest cleanly, writes the ledger and exits 0", async () => {
  fake = await startFakeAzure({ apiKey: FAKE_AZURE_KEY, deployments: ["gpt-4o", "gpt-4o-mini"] });
  fake.behave("gpt-4o-mini", { kind: "normal", content: "one two three four five", chunkDelayMs: 50 }, { times: Infinity });
  fake.behave("gpt-4o", { kind: "hangMidStream", afterEvents: 3 }, { times: Infinity });
  dir = mkdtempSync(join(tmpdir(), "tensorwall-sigterm-"));
  const db = join(dir, "gateway.db");
  const adminKey = newKeySecret();
  const proc = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: "127.0.0.1",
      PORT: "0",
      TENSORWALL_DB: db,
      TENSORWALL_ADMIN_KEY: adminKey,
      AZURE_OPENAI_ENDPOINT: fake.url,
      AZURE_OPENAI_API_KEY: FAKE_AZURE_KEY,
      TENSORWALL_SHUTDOWN_GRACE_MS: String(GRACE_MS),
      // Far beyond the test: only the shutdown can write the ledger.
      TENSORWALL_USAGE_FLUSH_MS: "600000",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  const lines: Line[] = [];
  const waiters: (() => void)[] = [];
  const stderr: string[] = [];
  createInterface({ input: proc.stderr! }).on("line", (line) => stderr.push(line));
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    lines.push(JSON.parse(line) as Line);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  // After exit, its last lines may still be in the pipe.
  const stdoutClosed = new Promise<void>((resolve) => proc.stdout!.once("close", resolve));
  const listening = await Promise.race([
    waitForLine(lines, waiters, (line) => line["msg"] === "listening"),
    exited.then((code) => {
      throw new Error(`exited with ${code} before listening: ${stderr.join("\n")}`);
    }),
  ]);
  const port = listening["port"] as number;
  const url = `http://127.0.0.1:${port}`;

  const stream = (model: string, requestId: string) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "Count" }] }),
    });
  const finishing = await stream("gpt-4o-mini", "finishing");
  const hanging = await stream("gpt-4o", "hanging");
  // Connect over HTTP/1.1 goes through connect-es's handler; over HTTP/2 (binary) through the gateway's binary path.
  // The end is wrapped: an async function returning a promise would wait for it.
  const rpcStream = async (httpVersion: "1.1" | "2", requestId: string): Promise<{ end: Promise<ConnectError | undefined> }> => {
    const rpc = createClient(ChatService, createConnectTransport({ baseUrl: url, httpVersion }));
    const messages = rpc.streamChatCompletion(
      { request: { model: "gpt-4o", messages: [{ role: Role.USER, content: "Count" }] } },
      { headers: { authorization: `Bearer ${adminKey}`, "x-request-id": requestId } },
    )[Symbol.asyncIterator]();
    expect((await messages.next()).done).toBe(false);
    const end = (async () => {
      try {
        while (!(await messages.next()).done);
        return undefined;
      } catch (error) {
        return ConnectError.from(error);
      }
    })();
    return { end };
  };
  const rpcStreams = [await rpcStream("1.1", "rpc-hanging"), await rpcStream("2", "rpc-h2-hanging")];
  const finishingText = finishing.text();
  const hangingText = hanging.text();

  const signaledAt = Date.now();
  proc.kill("SIGTERM");
  await waitForLine(lines, waiters, (line) => line["msg"] === "shutting down");
  expect(await connectionRefused(port)).toBe(true);

  // Finishes within the grace period, completely.
  const finished = await finishingText;
  expect(finished.endsWith("data: [DONE]\n\n")).toBe(true);
  expect(Date.now() - signaledAt).toBeLessThan(GRACE_MS);

  // Still running when the grace period ends: one error event, no [DONE].
  const cut = await hangingText;
  expect(Date.now() - signaledAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
  const events = cut.trim().split("\n\n");
  expect(JSON.parse(events.at(-1)!.slice("data: ".length))).toMatchObject({
    error: { code: "upstream_unavailable", message: "The gateway is shutting down; retry the request." },
  });
  expect(cut).not.toContain("[DONE]");
  for (const { end } of rpcStreams) {
    const rpcError = await end;
    expect(rpcError?.code).toBe(Code.Unavailable);
    expect(rpcError?.metadata.get("tensorwall-error-code")).toBe("upstream_unavailable");
  }

  expect(await exited).toBe(0);
  await stdoutClosed;
  expect(stderr).toEqual([]);
  const ledger = new Database(db, { readonly: true });
  try {
    const rows = ledger.prepare("SELECT deployment, status FROM usage_records ORDER BY deployment, status").all();
    expect(rows).toEqual([
      { deployment: "gpt-4o", status: "upstream_unavailable" },
      { deployment: "gpt-4o", status: "upstream_unavailable" },
      { deployment: "gpt-4o", status: "upstream_unavailable" },
      { deployment: "gpt-4o-mini", status: "ok" },
    ]);
  } finally {
    ledger.close();
  }
  const requestLines = new Map(lines.filter((line) => line["msg"] === "request").map((line) => [line["requestId"], line["status"]]));
  expect(Object.fromEntries(requestLines)).toEqual({
    finishing: "ok",
    hanging: "upstream_unavailable",
    "rpc-hanging": "upstream_unavailable",
    "rpc-h2-hanging": "upstream_unavailable",
  });
  expect(lines.at(-1)).toMatchObject({ msg: "stopped" });
}, 30_000);
