/**
 * The bench's fake Azure OpenAI: as little work per request as an HTTP server can do, so what the
 * legs measure is the gateway. Replies are serialised once (see fast-fake-replies.ts); the request
 * body is only searched for `"stream":true`, never parsed. No logging.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buildFastFakeReplies } from "../lib/fast-fake-replies.js";
import { HeldStreams } from "../lib/held-streams.js";
import { serveParent } from "../lib/parent-channel.js";

const replies = buildFastFakeReplies();
const held = new HeldStreams(replies);

// Fixed stand-ins for Azure's per-answer headers; the gateway reads some of them.
const AZURE_HEADERS = {
  "apim-request-id": "00000000-0000-4000-8000-000000000000",
  "x-ms-region": "eastus",
  "x-ratelimit-remaining-requests": "99",
  "x-ratelimit-remaining-tokens": "99000",
};
const JSON_HEADERS = { ...AZURE_HEADERS, "content-type": "application/json", "content-length": String(replies.completion.length) };
const SSE_HEADERS = { ...AZURE_HEADERS, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };
const STREAM_FLAG = Buffer.from('"stream":true');
const DEPLOYMENTS_PREFIX = "/openai/deployments/";

function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const url = req.url ?? "";
  const end = url.indexOf("/", DEPLOYMENTS_PREFIX.length);
  const deployment = url.startsWith(DEPLOYMENTS_PREFIX) && end !== -1 ? url.slice(DEPLOYMENTS_PREFIX.length, end) : "";
  if (body.indexOf(STREAM_FLAG) === -1) {
    res.writeHead(200, JSON_HEADERS);
    res.end(replies.completion);
    return;
  }
  if (HeldStreams.matches(deployment)) {
    held.answer(deployment, res, SSE_HEADERS);
    return;
  }
  // The first event goes out alone and the rest a turn of the event loop later, so a gateway that
  // held chunks back would show a time to first byte close to its total time.
  res.writeHead(200, SSE_HEADERS);
  res.write(replies.streamFirst);
  setImmediate(() => res.end(replies.streamRest));
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const pieces: Buffer[] = [];
  req.on("data", (piece: Buffer) => pieces.push(piece));
  req.on("end", () => answer(req, res, pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)));
});

// The open-streams leg makes thousands of connections in a burst; Node's default backlog is 511.
server.listen({ port: 0, host: "127.0.0.1", backlog: 8192 }, () => {
  const { port } = server.address() as AddressInfo;
  serveParent({ url: `http://127.0.0.1:${port}` }, { held: () => held.report() });
});
