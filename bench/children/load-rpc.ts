/**
 * HTTP/2 load generator: N workers in a loop over one HTTP/2 connection (as a typical service would
 * hold one), each timing its own calls. The main Connect and gRPC legs use lean calls, framed by
 * hand over the bench's own HTTP/2 client (lean-rpc-call.ts), because connect-node's client costs
 * more CPU per call than the gateway, and the two share the machine's cores; one reference leg
 * still loads the gateway through connect-node's client, to show what a typical Connect client costs.
 */
import { COMPLETION_CONTENT, STREAM_EVENTS } from "../lib/fast-fake-replies.js";
import { H2WireSession } from "../lib/h2-wire-session.js";
import { leanRpcCall, type RpcCall } from "../lib/lean-rpc-call.js";
import { ErrorSamples, loadFor, loadResult, type LoadResult } from "../lib/leg-result.js";
import { serveParent } from "../lib/parent-channel.js";
import { chatRequestMessage, rpcClient, type RpcProtocol } from "../lib/rpc-clients.js";

export interface RpcJob {
  readonly baseUrl: string;
  readonly protocol: RpcProtocol;
  /** Lean hand-framed calls, or connect-node's client (the reference leg). */
  readonly client: "lean" | "connect-node";
  readonly key: string;
  readonly model: string;
  readonly concurrency: number;
  readonly durationMs: number;
  /** StreamChatCompletion (expecting the fake's whole 200-event stream) instead of CreateChatCompletion. */
  readonly stream: boolean;
}

/** Calls of one leg, all on one HTTP/2 session, and how to close it. */
interface RpcCaller {
  readonly call: RpcCall;
  close(): void;
}

async function leanCaller(job: RpcJob): Promise<RpcCaller> {
  const session = await H2WireSession.connect(job.baseUrl);
  return { call: leanRpcCall(session, job.protocol, job.stream, job.key, job.model), close: () => session.close() };
}

function connectNodeCaller(job: RpcJob): RpcCaller {
  const client = rpcClient(job.baseUrl, job.protocol);
  const headers = { authorization: `Bearer ${job.key}` };
  const request = chatRequestMessage(job.model, job.stream);
  const unary = async (): Promise<number> => {
    const response = await client.chat.createChatCompletion(request, { headers });
    if (response.choices[0]?.message?.content !== COMPLETION_CONTENT) throw new Error("unexpected response content");
    return performance.now();
  };
  const stream = async (): Promise<number> => {
    let firstMessageAt = 0;
    let count = 0;
    for await (const _chunk of client.chat.streamChatCompletion({ request }, { headers })) {
      if (count === 0) firstMessageAt = performance.now();
      count += 1;
    }
    if (count !== STREAM_EVENTS) throw new Error(`stream ended after ${count} of ${STREAM_EVENTS} chunks`);
    return firstMessageAt;
  };
  return { call: job.stream ? stream : unary, close: () => client.close() };
}

async function run(job: RpcJob): Promise<LoadResult> {
  const latencies: number[] = [];
  const firstEvents: number[] = [];
  const errors = new ErrorSamples();
  const caller = job.client === "lean" ? await leanCaller(job) : connectNodeCaller(job);

  const cpuAtStart = process.cpuUsage();
  const elapsedMs = await loadFor(job.concurrency, job.durationMs, errors, async () => {
    const callStartedAt = performance.now();
    const firstMessageAt = await caller.call();
    latencies.push(performance.now() - callStartedAt);
    if (job.stream) firstEvents.push(firstMessageAt - callStartedAt);
  });
  caller.close();
  return loadResult({ latencies, firstEvents: job.stream ? firstEvents : undefined, errors, elapsedMs, cpuAtStart });
}

serveParent({}, { run: (args) => run(args as RpcJob) });
