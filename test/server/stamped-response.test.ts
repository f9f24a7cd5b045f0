import { afterEach, describe, expect, it } from "vitest";
import type { OutgoingHttpHeader, OutgoingHttpHeaders } from "node:http";
import type { RequestHandler } from "../../src/server/one-port-server.js";
import { connectH2c, http1Request, http2Request, rawConnect, collect, startServer, stopAll } from "./server-test-support.js";

afterEach(stopAll);

type Response = Parameters<RequestHandler>[1];

/** Every form of writeHead Node's HTTP/1 response takes (HTTP/2's types leave out the lists). */
function writeHead(res: Response, status: number, ...rest: (string | OutgoingHttpHeaders | OutgoingHttpHeader[] | OutgoingHttpHeader[][])[]): Response {
  return (res.writeHead as (status: number, ...rest: unknown[]) => Response).call(res, status, ...rest);
}

/** Each way a handler can write its head, by path. */
const WAYS: Record<string, (res: Response) => void> = {
  "/object": (res) => writeHead(res, 201, { "content-type": "text/plain", "set-cookie": ["a=1", "b=2"] }).end("body"),
  "/reason": (res) => writeHead(res, 201, "Made", { "content-type": "text/plain" }).end("body"),
  "/flat": (res) => writeHead(res, 201, ["content-type", "text/plain", "set-cookie", ["a=1", "b=2"]]).end("body"),
  "/pairs": (res) => writeHead(res, 201, [["content-type", "text/plain"]]).end("body"),
  "/status-only": (res) => res.writeHead(201).end("body"),
  "/implicit": (res) => {
    res.statusCode = 201;
    res.end("body");
  },
  "/set-header-first": (res) => {
    res.setHeader("x-limit", "7");
    res.writeHead(201, { "content-type": "text/plain" }).end("body");
  },
};

const stamping: RequestHandler = (req, res) => {
  res.stampHeader("x-request-id", "id-1");
  WAYS[req.url ?? ""]!(res);
};

describe("stamped headers", () => {
  it("go out once with the head however an HTTP/1.1 handler writes it, beside the headers it gives", async () => {
    const { port } = await startServer(stamping);
    for (const path of Object.keys(WAYS)) {
      const reply = await http1Request(port, path);
      expect(reply.status, path).toBe(201);
      expect(reply.body, path).toBe("body");
      expect(reply.headers["x-request-id"], path).toBe("id-1");
      if (!["/status-only", "/implicit"].includes(path)) expect(reply.headers["content-type"], path).toBe("text/plain");
    }
    expect((await http1Request(port, "/object")).headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect((await http1Request(port, "/flat")).headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect((await http1Request(port, "/set-header-first")).headers["x-limit"]).toBe("7");
  });

  it("leave the head's first line and each header's count as the handler wrote them", async () => {
    const { port } = await startServer(stamping);
    const socket = await rawConnect(port);
    const received = collect(socket);
    socket.end("GET /reason HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    await received.closed;
    const head = received.text().split("\r\n\r\n")[0]!;
    expect(head.split("\r\n")[0]).toBe("HTTP/1.1 201 Made");
    expect(head.match(/^x-request-id: id-1$/gim)).toHaveLength(1);
  });

  it("go out with the head over HTTP/2 too", async () => {
    const { port } = await startServer(stamping);
    const session = connectH2c(port);
    // HTTP/2 has no reason phrase.
    for (const path of Object.keys(WAYS).filter((path) => path !== "/reason")) {
      const reply = await http2Request(session, path);
      expect(reply.status, path).toBe(201);
      expect(reply.headers["x-request-id"], path).toBe("id-1");
    }
  });
});
