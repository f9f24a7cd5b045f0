import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { AddressInfo } from "node:net";
import { AdminService } from "../../gen/tensorwall/v1/admin_pb.js";
import { ChatService } from "../../gen/tensorwall/v1/chat_pb.js";
import { createAdminService } from "../admin/index.js";
import { AzureClient, EndpointAllowlist } from "../azure/index.js";
import { createRestBridge } from "../bridge/openai/index.js";
import { ChatCompletions, createChatService } from "../chat/index.js";
import type { GatewayConfig } from "../config/index.js";
import { KeyRegistry } from "../keys/index.js";
import { DeploymentPool, RouteResolver } from "../pool/index.js";
import { SqliteStore } from "../store/index.js";
import { gatewayErrorInterceptor } from "./gateway-error-interceptor.js";
import { OnePortServer } from "./one-port-server.js";

export interface GatewayOptions {
  /** Milliseconds since the epoch; tests inject their own. */
  readonly clock?: () => number;
  /** Receives errors the gateway did not expect. Default: one JSON line on stderr. */
  readonly onUnexpectedError?: (error: unknown) => void;
}

/** A built gateway: everything wired, nothing listening yet. */
export interface Gateway {
  /** The admin key generated on this start, if one had to be; it is shown once and never stored plain. */
  readonly generatedAdminKey: string | undefined;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish within the grace period, then releases everything. */
  close(): Promise<void>;
}

export async function buildGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const onUnexpectedError = options.onUnexpectedError ?? logUnexpectedError;
  const store = new SqliteStore(config.databasePath);
  const keys = new KeyRegistry({ store, hashSecret: config.keyHashSecret, clock: options.clock ?? Date.now });
  const { generatedSecret } = await keys.ensureAdminKey(config.adminKey);
  const allowlist = new EndpointAllowlist(config.allowedEndpointPatterns);
  const azure = new AzureClient(config.upstream);
  const chat = new ChatCompletions(new DeploymentPool(azure, new RouteResolver(config.azure, allowlist)));

  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(ChatService, createChatService(chat, keys));
      router.service(AdminService, createAdminService(keys));
    },
    fallback: createRestBridge({ chat, keys, maxRequestBytes: config.maxRequestBytes, onUnexpectedError }),
    interceptors: [gatewayErrorInterceptor(onUnexpectedError)],
    readMaxBytes: config.maxRequestBytes,
  });
  const server = new OnePortServer(handler, { tls: config.tls });

  return {
    generatedAdminKey: generatedSecret,
    listen: (port, host) => server.listen(port, host),
    async close() {
      await server.close(config.shutdownGraceMs);
      await azure.close();
      await store.close();
    },
  };
}

function logUnexpectedError(error: unknown): void {
  const detail = error instanceof Error ? error.stack ?? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: "error", time: new Date().toISOString(), msg: "unexpected error", error: detail })}\n`);
}
