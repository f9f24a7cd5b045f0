/**
 * The floor: the least a Node gateway can do on this path. Parse the caller's JSON, forward it with
 * undici, parse Azure's reply, serialise it again. No auth, validation, protobuf or error mapping:
 * whatever the real gateway costs beyond this is its own.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { serveParent } from "../lib/parent-channel.js";

const upstream = process.env["BENCH_UPSTREAM_URL"] ?? "";
const apiKey = process.env["BENCH_UPSTREAM_KEY"] ?? "";

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const pieces: Buffer[] = [];
  req.on("data", (piece: Buffer) => pieces.push(piece));
  req.on("end", async () => {
    try {
      const body = JSON.parse(Buffer.concat(pieces).toString("utf8")) as { model: string };
      const deployment = body.model.replace(/^azure\//, "");
      const reply = await request(`${upstream}/openai/deployments/${deployment}/chat/completions?api-version=2024-10-21`, {
        method: "POST",
        headers: { "content-type": "application/json", "api-key": apiKey },
        body: JSON.stringify(body),
      });
      const text = JSON.stringify(await reply.body.json());
      res.writeHead(reply.statusCode, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  serveParent({ url: `http://127.0.0.1:${port}` }, {});
});
