import { describe, expect, it } from "vitest";
import { GatewayMetrics, LabelCap } from "../../src/metrics/index.js";
import type { DeploymentSnapshot } from "../../src/pool/index.js";
import { parsePrometheusText, sampleValue } from "./prometheus-text.js";

const chat = {
  requestModel: "gpt-4o",
  responseModel: "gpt-4o",
  serverAddress: "contoso.openai.azure.com",
  serverPort: "443",
  deployment: "eastus/gpt4o",
  region: "eastus",
  errorType: "",
  durationMs: 1500,
  ttfbMs: 200,
  tokens: { input: 100, cached: 40, output: 20, reasoning: 5 },
  costNanoUsd: 2_500_000n,
};

function snapshot(overrides: Partial<DeploymentSnapshot>): DeploymentSnapshot {
  return {
    id: "eastus/gpt4o",
    routes: ["gpt-4o"],
    endpoint: "eastus",
    region: "eastus",
    deployment: "gpt4o",
    model: "gpt-4o",
    circuit: "closed",
    cooldownUntilMs: undefined,
    enabled: true,
    inFlight: 0,
    latencyEstimateMs: undefined,
    successCount: 0,
    failureCount: 0,
    ...overrides,
  };
}

describe("LabelCap", () => {
  it("keeps the first values it sees and reads every later new one as other", () => {
    const cap = new LabelCap(2);
    expect(["a", "b", "c", "a", "d", "b"].map((value) => cap.value(value))).toEqual(["a", "b", "other", "a", "other", "b"]);
  });
});

describe("GatewayMetrics", () => {
  it("measures a chat request by OpenTelemetry's GenAI names", async () => {
    const metrics = new GatewayMetrics({ deployments: () => [], inFlightRequests: () => 0, processMetrics: false });
    metrics.chatMeasured(chat);
    const samples = parsePrometheusText(await metrics.render());
    const labels = { gen_ai_system: "az.ai.openai", gen_ai_operation_name: "chat", gen_ai_request_model: "gpt-4o", server_port: "443" };
    expect(sampleValue(samples, "gen_ai_server_request_duration_seconds_sum", labels)).toBe(1.5);
    expect(sampleValue(samples, "gen_ai_server_request_duration_seconds_bucket", { ...labels, le: "2.56" })).toBe(1);
    expect(sampleValue(samples, "gen_ai_server_request_duration_seconds_bucket", { ...labels, le: "1.28" })).toBe(0);
    expect(sampleValue(samples, "gen_ai_server_time_to_first_token_seconds_sum", labels)).toBe(0.2);
    for (const [type, tokens] of [["input", 100], ["cached", 40], ["output", 20], ["reasoning", 5]] as const) {
      expect(sampleValue(samples, "gen_ai_client_token_usage_sum", { ...labels, gen_ai_token_type: type })).toBe(tokens);
    }
    expect(sampleValue(samples, "tensorwall_cost_usd_total", labels)).toBe(0.0025);
  });

  it("records no tokens, first token or cost for a request that got no answer", async () => {
    const metrics = new GatewayMetrics({ deployments: () => [], inFlightRequests: () => 0, processMetrics: false });
    metrics.chatMeasured({ ...chat, errorType: "upstream_timeout", ttfbMs: undefined, tokens: undefined, costNanoUsd: 0n });
    const samples = parsePrometheusText(await metrics.render());
    expect(sampleValue(samples, "gen_ai_server_request_duration_seconds_count", { error_type: "upstream_timeout" })).toBe(1);
    expect(samples.filter((sample) => /time_to_first_token|token_usage|cost_usd/.test(sample.name))).toEqual([]);
  });

  it("keeps caller-chosen label values bounded", async () => {
    const metrics = new GatewayMetrics({ deployments: () => [], inFlightRequests: () => 0, processMetrics: false, maxLabelValues: 2 });
    for (const model of ["gpt-4o", "made-up-1", "made-up-2", "made-up-3"]) {
      metrics.requestAnswered({ protocol: "rest", httpRoute: "/v1/chat/completions", status: "model_not_found", route: model, deployment: "", region: "" });
    }
    const samples = parsePrometheusText(await metrics.render()).filter((sample) => sample.name === "tensorwall_requests_total");
    expect(samples.map((sample) => [sample.labels["route"], sample.value])).toEqual([
      ["gpt-4o", 1],
      ["made-up-1", 1],
      ["other", 2],
    ]);
  });

  it("reads deployments and requests in flight at scrape time", async () => {
    let deployments = [snapshot({ inFlight: 2, latencyEstimateMs: 250 })];
    let inFlight = 3;
    const metrics = new GatewayMetrics({ deployments: () => deployments, inFlightRequests: () => inFlight, clock: () => 10_000, processMetrics: false });
    let samples = parsePrometheusText(await metrics.render());
    const east = { deployment: "eastus/gpt4o", region: "eastus" };
    expect(sampleValue(samples, "tensorwall_requests_in_flight")).toBe(3);
    expect(sampleValue(samples, "tensorwall_deployment_circuit_state", { ...east, state: "closed" })).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_in_flight", east)).toBe(2);
    expect(sampleValue(samples, "tensorwall_deployment_latency_estimate_seconds", east)).toBe(0.25);
    expect(sampleValue(samples, "tensorwall_deployment_cooldown_seconds", east)).toBe(0);

    deployments = [snapshot({ circuit: "open", enabled: false, cooldownUntilMs: 12_500 })];
    inFlight = 0;
    samples = parsePrometheusText(await metrics.render());
    expect(sampleValue(samples, "tensorwall_requests_in_flight")).toBe(0);
    expect(sampleValue(samples, "tensorwall_deployment_circuit_state", { ...east, state: "open" })).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_circuit_state", { ...east, state: "closed" })).toBe(0);
    expect(sampleValue(samples, "tensorwall_deployment_enabled", east)).toBe(0);
    expect(sampleValue(samples, "tensorwall_deployment_cooldown_seconds", east)).toBe(2.5);
    expect(sampleValue(samples, "tensorwall_deployment_latency_estimate_seconds", east)).toBeUndefined();
  });

  it("counts circuit transitions and cooldowns from pool events", async () => {
    const metrics = new GatewayMetrics({ deployments: () => [], inFlightRequests: () => 0, processMetrics: false });
    metrics.deploymentEvent("eastus/gpt4o", { type: "circuit", to: "open", reason: "failure_rate", atMs: 1 });
    metrics.deploymentEvent("eastus/gpt4o", { type: "circuit", to: "half_open", atMs: 2 });
    metrics.deploymentEvent("eastus/gpt4o", { type: "cooldown", untilMs: 5, atMs: 3 });
    const samples = parsePrometheusText(await metrics.render());
    expect(sampleValue(samples, "tensorwall_deployment_circuit_transitions_total", { deployment: "eastus/gpt4o", to: "open" })).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_circuit_transitions_total", { deployment: "eastus/gpt4o", to: "half_open" })).toBe(1);
    expect(sampleValue(samples, "tensorwall_deployment_cooldowns_total", { deployment: "eastus/gpt4o" })).toBe(1);
  });
});
