import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy in front of the gateway that records, per connection, whether the client opened it
 * with the HTTP/2 preface or an HTTP/1.x request line: what a client really spoke on the wire.
 */
export interface ProtocolRecordingProxy {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  /** One entry per connection, in the order their first bytes arrived. */
  readonly protocols: readonly ("h2" | "http1")[];
  /** Client connections open right now. */
  readonly openConnections: number;
  /** Resolves once no client connection is open. */
  waitForNoConnections(): Promise<void>;
  close(): Promise<void>;
}

export async function startProtocolRecordingProxy(targetPort: number): Promise<ProtocolRecordingProxy> {
  const protocols: ("h2" | "http1")[] = [];
  const sockets = new Set<Socket>();
  let idleWaiters: (() => void)[] = [];
  const server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(targetPort, "127.0.0.1");
    client.once("data", (first: Buffer) => {
      // No HTTP/1.x method starts with "PRI": the first three bytes decide.
      protocols.push(first.subarray(0, 3).toString("latin1") === "PRI" ? "h2" : "http1");
      upstream.write(first);
      client.pipe(upstream);
    });
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", () => {
      end();
      sockets.delete(client);
      if (sockets.size === 0) {
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
      }
    });
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    protocols,
    get openConnections() {
      return sockets.size;
    },
    waitForNoConnections: () =>
      sockets.size === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
