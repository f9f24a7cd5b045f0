/**
 * The example clients in examples/clients/, built from stubs that buf generates from proto/ with
 * Debian's plugins, calling a real gateway over gRPC the way users' services will.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { newKeySecret, startTestGateway, type TestGateway } from "../support/gateway-harness.js";
import { prepareGoClient, preparePythonClient, type ExampleClient } from "./example-clients.js";
import { runProcess, type ProcessResult } from "./run-process.js";

/** Answers nothing, ever: what a deadline is for. */
const NEVER_ANSWERS = "never-answers";
/** Scripted per test: a normal answer, then a stream that stops after its first words. */
const STALLS_MID_STREAM = "stalls-mid-stream";
const CLIENT_KILL_AFTER_MS = 20_000;

let gw: TestGateway;
let key: string;
let workDir: string;
const clients = new Map<string, ExampleClient>();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "tensorwall-interop-"));
  gw = await startTestGateway({ fake: { deployments: ["gpt-4o", NEVER_ANSWERS, STALLS_MID_STREAM] } });
  gw.fake.behave(NEVER_ANSWERS, { kind: "hang" }, { times: Infinity });
  key = (await gw.createKey()).secret;
  for (const client of await Promise.all([preparePythonClient(workDir), prepareGoClient(workDir)])) {
    clients.set(client.language, client);
  }
});
afterEach(() => expect(gw.unexpectedErrors).toEqual([]));
afterAll(async () => {
  await gw?.close();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

interface Call {
  readonly model?: string;
  readonly timeoutMs?: number;
  readonly apiKey?: string;
}

function run(language: string, call: Call = {}): Promise<ProcessResult> {
  const client = clients.get(language);
  if (client === undefined) throw new Error(`the ${language} client was not built`);
  const args = [
    ...client.args,
    "--target",
    `127.0.0.1:${gw.port}`,
    "--model",
    call.model ?? "azure/gpt-4o",
    ...client.timeoutArgs(call.timeoutMs ?? 10_000),
    "Say hello",
  ];
  return runProcess(client.command, args, {
    env: { ...client.env, TENSORWALL_API_KEY: call.apiKey ?? key },
    killAfterMs: CLIENT_KILL_AFTER_MS,
  });
}

function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe.each(["python", "go"])("the %s example client over gRPC", (language) => {
  it("prints a unary completion and a streamed one, authenticated by the key in metadata", async () => {
    const result = await run(language);
    expect(result.stderr).not.toContain("error:");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("unary: Hello from gpt-4o\nstream: Hello from gpt-4o\n");
    expect(result.stderr).toContain("served by deployment=gpt-4o region=eastus attempts=1");
    // One content chunk per word: the stream arrived in pieces, not as one message.
    expect(result.stderr).toContain("stream chunks with content: 3");
    const [unary, streamed] = gw.fake.requests.slice(-2);
    expect(unary?.body).not.toHaveProperty("stream");
    expect(streamed?.body).toHaveProperty("stream", true);
  });

  it("ends a call with DEADLINE_EXCEEDED when its deadline passes, and the gateway cancels the Azure request", async () => {
    const aborts = gw.fake.clientAborts;
    const result = await run(language, { model: `azure/${NEVER_ANSWERS}`, timeoutMs: 500 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: \w+ \(code 4\)/m);
    expect(result.stdout).toBe("");
    await within(2_000, gw.fake.waitForClientAborts(aborts + 1), "the upstream cancellation");
  });

  it("ends a stream that stalls part-way with DEADLINE_EXCEEDED after printing what arrived", async () => {
    gw.fake.behave(STALLS_MID_STREAM, { kind: "normal" });
    // Three events: the prompt-filter chunk, the role chunk and the first word.
    gw.fake.behave(STALLS_MID_STREAM, { kind: "hangMidStream", afterEvents: 3 });
    const result = await run(language, { model: `azure/${STALLS_MID_STREAM}`, timeoutMs: 1_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`unary: Hello from ${STALLS_MID_STREAM}\nstream: Hello\n`);
    expect(result.stderr).toMatch(/^error: \w+ \(code 4\)/m);
  });

  it("reports an unknown key as UNAUTHENTICATED with TensorWall's error code in the trailers", async () => {
    const result = await run(language, { apiKey: newKeySecret() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: \w+ \(code 16\)/m);
    expect(result.stderr).toContain("tensorwall-error-code: invalid_api_key");
    expect(result.stdout).toBe("");
  });
});
