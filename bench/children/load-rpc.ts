/**
 * HTTP/2 load generator: N workers in a loop over one Connect or gRPC client (one HTTP/2 session,
 * as a typical service would hold), each timing its own calls.
 */
import { ErrorSamples, cpuMicrosSince, summarize, type LoadResult } from "../lib/leg-result.js";
import { serveParent } from "../lib/parent-channel.js";
import { STREAM_EVENTS } from "../lib/fast-fake-replies.js";
import { chatRequestMessage, rpcClient, type RpcProtocol } from "../lib/rpc-clients.js";

export interface RpcJob {
  readonly baseUrl: string;
  readonly protocol: RpcProtocol;
  readonly key: string;
  readonly model: string;
  readonly concurrency: number;
  readonly durationMs: number;
  /** StreamChatCompletion (expecting the fake's whole 200-event stream) instead of CreateChatCompletion. */
  readonly stream: boolean;
}

const EXPECTED_CONTENT = "Hello from gpt-4o";

async function run(job: RpcJob): Promise<LoadResult> {
  const client = rpcClient(job.baseUrl, job.protocol);
  const headers = { authorization: `Bearer ${job.key}` };
  const request = chatRequestMessage(job.model, job.stream);
  const latencies: number[] = [];
  const firstEvents: number[] = [];
  const errors = new ErrorSamples();

  const unary = async (): Promise<void> => {
    const startedAt = performance.now();
    const response = await client.chat.createChatCompletion(request, { headers });
    const took = performance.now() - startedAt;
    if (response.choices[0]?.message?.content !== EXPECTED_CONTENT) throw new Error("unexpected response content");
    latencies.push(took);
  };
  const stream = async (): Promise<void> => {
    const startedAt = performance.now();
    let first = 0;
    let count = 0;
    for await (const _chunk of client.chat.streamChatCompletion({ request }, { headers })) {
      if (count === 0) first = performance.now() - startedAt;
      count += 1;
    }
    const took = performance.now() - startedAt;
    if (count !== STREAM_EVENTS) throw new Error(`stream ended after ${count} of ${STREAM_EVENTS} chunks`);
    firstEvents.push(first);
    latencies.push(took);
  };
  const call = job.stream ? stream : unary;

  const cpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  const deadline = startedAt + job.durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      try {
        await call();
      } catch (error) {
        errors.add(error);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  const elapsedMs = performance.now() - startedAt;
  client.close();
  return {
    rps: latencies.length / (elapsedMs / 1000),
    ok: latencies.length,
    errors: errors.count,
    errorSamples: errors.samples,
    elapsedMs,
    latency: summarize(latencies),
    ...(job.stream && { ttfb: summarize(firstEvents) }),
    loadCpuMicrosPerOk: cpuMicrosSince(cpuAtStart) / Math.max(1, latencies.length),
  };
}

serveParent({}, { run: (args) => run(args as RpcJob) });
