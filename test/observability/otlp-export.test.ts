import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { startObservedGateway, type ObservedGateway } from "./observed-gateway.js";

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
}

interface OtlpExport {
  readonly resourceSpans: {
    readonly resource: { readonly attributes: { readonly key: string; readonly value: { readonly stringValue?: string } }[] };
    readonly scopeSpans: { readonly spans: OtlpSpan[] }[];
  }[];
}

/** A tiny OTLP/HTTP collector on loopback: it keeps each export's headers and JSON body. */
async function startCollector(): Promise<{ url: string; exports: { path: string; headers: IncomingHttpHeaders; body: OtlpExport }[]; server: Server }> {
  const exports: { path: string; headers: IncomingHttpHeaders; body: OtlpExport }[] = [];
  const server = createServer((req, res) => {
    const pieces: Buffer[] = [];
    req.on("data", (piece: Buffer) => pieces.push(piece));
    req.on("end", () => {
      exports.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(Buffer.concat(pieces).toString("utf8")) as OtlpExport });
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, server };
}

let gw: ObservedGateway | undefined;
let collector: Server | undefined;
afterEach(async () => {
  await gw?.close();
  collector?.close();
});

it("exports the request's and the attempt's spans over OTLP/HTTP, under the caller's trace", async () => {
  const otlp = await startCollector();
  collector = otlp.server;
  gw = await startObservedGateway({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${otlp.url}/`, OTEL_SERVICE_NAME: "tensorwall-otlp", OTEL_EXPORTER_OTLP_HEADERS: "x-collector-token=abc" },
  });
  const { secret } = await gw.createKey();
  const traceId = randomBytes(16).toString("hex");
  const callerSpanId = randomBytes(8).toString("hex");
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json", traceparent: `00-${traceId}-${callerSpanId}-01` },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hello!" }] }),
  });
  expect(response.status).toBe(200);
  await response.text();
  await gw.waitForRequestLines(2);
  // Spans are batched; closing the gateway sends what is left.
  await gw.close();
  gw = undefined;

  expect(otlp.exports.length).toBeGreaterThan(0);
  expect(otlp.exports.every((entry) => entry.path === "/v1/traces")).toBe(true);
  expect(otlp.exports[0]?.headers["x-collector-token"]).toBe("abc");
  const resource = otlp.exports[0]?.body.resourceSpans[0]?.resource;
  expect(resource?.attributes.find((attribute) => attribute.key === "service.name")?.value.stringValue).toBe("tensorwall-otlp");
  const spans = otlp.exports.flatMap((entry) => entry.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  const inTrace = spans.filter((span) => span.traceId === traceId);
  const server = inTrace.find((span) => span.name === "POST /v1/chat/completions");
  const attempt = inTrace.find((span) => span.name === "chat gpt-4o");
  expect(server?.parentSpanId).toBe(callerSpanId);
  expect(attempt?.parentSpanId).toBe(server?.spanId);
});
