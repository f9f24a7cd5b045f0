import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { readJsonBody } from "../../../src/bridge/openai/read-json-body.js";
import { GatewayError } from "../../../src/errors/index.js";

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

/** Serves one request, whose body readJsonBody reads; resolves with what it gave or threw. */
async function readOne(send: (port: number) => void, maxBytes = 64): Promise<unknown> {
  const outcome = new Promise<unknown>((resolve) => {
    server = createServer((req: IncomingMessage, res) => {
      readJsonBody(req, maxBytes).then(resolve, resolve);
      res.on("error", () => {});
      req.on("end", () => res.end());
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  send((server!.address() as AddressInfo).port);
  return outcome;
}

/** Sends `pieces` as a chunked body (no content-length), then ends it unless told not to. */
function sendChunked(pieces: readonly string[], end = true): (port: number) => void {
  return (port) => {
    const req = request({ port, host: "127.0.0.1", method: "POST", path: "/" });
    req.on("error", () => {});
    req.on("response", (res) => res.resume());
    for (const piece of pieces) req.write(piece);
    if (end) req.end();
    else setTimeout(() => req.destroy(), 20);
  };
}

describe("readJsonBody", () => {
  it("parses a body that arrives in pieces", async () => {
    await expect(readOne(sendChunked(['{"model":', '"gpt-4o"}']))).resolves.toEqual({ model: "gpt-4o" });
  });

  it("refuses a chunked body once it grows past the limit", async () => {
    const outcome = await readOne(sendChunked(["[", "1,".repeat(40), "1]"]));
    expect(outcome).toBeInstanceOf(GatewayError);
    expect((outcome as GatewayError).code).toBe("request_too_large");
  });

  it("reports a caller that left before the body ended", async () => {
    const outcome = await readOne(sendChunked(['{"model":'], false));
    expect(outcome).toBeInstanceOf(Error);
  });

  it("answers invalid_json for an empty or malformed body", async () => {
    for (const pieces of [[], ["{nope"]]) {
      const outcome = await readOne(sendChunked(pieces));
      expect((outcome as GatewayError).code).toBe("invalid_json");
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      server = undefined;
    }
  });
});
