import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { DeploymentEvent, DeploymentSnapshot } from "../pool/index.js";
import { ByLabelValues } from "./by-label-values.js";
import type { Labels } from "./exposition-text.js";
import { FastCounter } from "./fast-counter.js";
import { FastHistogram } from "./fast-histogram.js";
import { GenAiSeries, type GenAiValues } from "./gen-ai-series.js";
import { LabelCap } from "./label-cap.js";

export interface GatewayMetricsOptions {
  /** The pool's configured deployments, read at each scrape. */
  readonly deployments: () => readonly DeploymentSnapshot[];
  /** Requests in flight over every protocol, read at each scrape. */
  readonly inFlightRequests: () => number;
  /** Milliseconds since the epoch, for cooldowns. Default Date.now. */
  readonly clock?: () => number;
  /** Distinct values each caller-influenced label keeps before further ones read "other". Default 200. */
  readonly maxLabelValues?: number;
  /** Node.js process metrics (CPU, memory, event loop delay, GC) too. Default true. */
  readonly processMetrics?: boolean;
}

/** One answered request. Chat fields are empty for requests that never reached the chat core. */
export interface RequestCount {
  readonly protocol: string;
  /** The REST route or RPC method path; "unmatched" for paths nothing serves. */
  readonly httpRoute: string;
  /** "ok", or the gateway error code the caller received. */
  readonly status: string;
  readonly route: string;
  /** "<endpoint>/<deployment>". */
  readonly deployment: string;
  readonly region: string;
}

export interface TokenCounts {
  readonly input: number;
  /** Part of input. */
  readonly cached: number;
  readonly output: number;
  /** Part of output. */
  readonly reasoning: number;
}

/** One chat completion request as OpenTelemetry's GenAI conventions measure it. */
export interface ChatMeasurement extends GenAiValues {
  /** The error code; empty for a request answered in full. */
  readonly errorType: string;
  readonly durationMs: number;
  /** Until Azure's first byte; undefined when none came. */
  readonly ttfbMs: number | undefined;
  /** Undefined when nothing was used (the request never got an answer). */
  readonly tokens: TokenCounts | undefined;
  readonly costNanoUsd: bigint;
}

export interface AttemptCount {
  readonly deployment: string;
  readonly region: string;
  /** "ok", "broken" or "abandoned" for an answer that began; the error code for one that did not. */
  readonly outcome: string;
}

export interface FailoverCount {
  readonly route: string;
  /** The deployment the request moved away from. */
  readonly deployment: string;
  /** Its error code. */
  readonly reason: string;
}

// OpenTelemetry's advice for gen_ai.server.request.duration, gen_ai.server.time_to_first_token and
// gen_ai.client.token.usage:
// https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/
const DURATION_BUCKETS_S = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const TTFT_BUCKETS_S = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

const CIRCUIT_STATES = ["closed", "open", "half_open"] as const;

/**
 * Everything /metrics shows: a prom-client registry of its own, and the GenAI histograms beside it.
 * Requests, attempts and pool events are counted as they are reported; deployment state and
 * requests in flight are read from snapshots at scrape time, so nothing is counted twice.
 */
export class GatewayMetrics {
  readonly #registry = new Registry();
  readonly #requests: FastCounter;
  readonly #requestLabels = new ByLabelValues<Labels>();
  readonly #duration: FastHistogram;
  readonly #ttft: FastHistogram;
  readonly #tokens: FastHistogram;
  readonly #cost: FastCounter;
  readonly #attempts: FastCounter;
  readonly #attemptLabels = new ByLabelValues<Labels>();
  readonly #failovers: Counter<string>;
  readonly #transitions: Counter<string>;
  readonly #cooldowns: Counter<string>;
  readonly #caps: Record<"httpRoute" | "route" | "deployment" | "region" | "model" | "server", LabelCap>;
  /** By their bounded label values, so as many as there are series. */
  readonly #genAiSeries = new ByLabelValues<GenAiSeries>();

  constructor(options: GatewayMetricsOptions) {
    const registers = [this.#registry];
    const clock = options.clock ?? Date.now;
    const maxValues = options.maxLabelValues ?? 200;
    this.#caps = {
      httpRoute: new LabelCap(maxValues),
      route: new LabelCap(maxValues),
      deployment: new LabelCap(maxValues),
      region: new LabelCap(maxValues),
      model: new LabelCap(maxValues),
      server: new LabelCap(maxValues),
    };
    // Counted on every request, with label objects from ByLabelValues or GenAiSeries.
    this.#requests = new FastCounter({
      name: "tensorwall_requests_total",
      help: "Requests answered, by protocol, REST route or RPC method, status (ok or the error code), and the route, deployment and region that served chat.",
    });
    // Observed on every chat request, with GenAiSeries' label objects.
    this.#duration = new FastHistogram({
      name: "gen_ai_server_request_duration_seconds",
      help: "Chat completion requests from arrival to the last byte of the answer (gen_ai.server.request.duration).",
      buckets: DURATION_BUCKETS_S,
    });
    this.#ttft = new FastHistogram({
      name: "gen_ai_server_time_to_first_token_seconds",
      help: "Chat completion requests from arrival to Azure's first byte (gen_ai.server.time_to_first_token).",
      buckets: TTFT_BUCKETS_S,
    });
    this.#tokens = new FastHistogram({
      name: "gen_ai_client_token_usage",
      help: "Tokens per chat completion request (gen_ai.client.token.usage): input and output; cached is part of input, reasoning part of output.",
      buckets: TOKEN_BUCKETS,
    });
    this.#cost = new FastCounter({
      name: "tensorwall_cost_usd_total",
      help: "What chat completion requests cost, in US dollars, as the usage ledger prices them.",
    });
    this.#attempts = new FastCounter({
      name: "tensorwall_upstream_attempts_total",
      help: "Requests sent to Azure deployments, by outcome: ok, broken or abandoned once answering began, else the error code.",
    });
    this.#failovers = new Counter({
      name: "tensorwall_upstream_failovers_total",
      help: "Times a request tried again after an upstream attempt failed, by the deployment it left and why.",
      labelNames: ["route", "deployment", "reason"],
      registers,
    });
    this.#transitions = new Counter({
      name: "tensorwall_deployment_circuit_transitions_total",
      help: "Circuit breaker transitions, by deployment and the state entered.",
      labelNames: ["deployment", "to"],
      registers,
    });
    this.#cooldowns = new Counter({
      name: "tensorwall_deployment_cooldowns_total",
      help: "Times Azure asked a deployment to back off (a 429, or a 5xx with Retry-After).",
      labelNames: ["deployment"],
      registers,
    });
    new Gauge({
      name: "tensorwall_requests_in_flight",
      help: "Requests being served now, over every protocol.",
      registers,
      collect() {
        this.set(options.inFlightRequests());
      },
    });
    this.#deploymentGauges(options.deployments, clock);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.#registry });
  }

  /** The Prometheus text exposition format's content type. */
  get contentType(): string {
    return this.#registry.contentType;
  }

  async render(): Promise<string> {
    const own = [this.#requests, this.#cost, this.#attempts, this.#duration, this.#ttft, this.#tokens].map((family) => `${family.text()}\n`);
    return [await this.#registry.metrics(), ...own].join("\n");
  }

  requestAnswered(count: RequestCount): void {
    const { protocol, status } = count;
    const httpRoute = this.#caps.httpRoute.value(count.httpRoute);
    const route = this.#caps.route.value(count.route);
    const deployment = this.#caps.deployment.value(count.deployment);
    const region = this.#caps.region.value(count.region);
    this.#requests.inc(
      this.#requestLabels.get([protocol, httpRoute, status, route, deployment, region], () => ({
        protocol,
        http_route: httpRoute,
        status,
        route,
        deployment,
        region,
      })),
    );
  }

  chatMeasured(chat: ChatMeasurement): void {
    const series = this.#series(chat);
    this.#duration.observe(series.withError(chat.errorType), chat.durationMs / 1000);
    if (chat.ttfbMs !== undefined) this.#ttft.observe(series.labels, chat.ttfbMs / 1000);
    const { tokens } = chat;
    if (tokens !== undefined) {
      this.#tokens.observe(series.tokens.input, tokens.input);
      this.#tokens.observe(series.tokens.output, tokens.output);
      this.#tokens.observe(series.tokens.cached, tokens.cached);
      this.#tokens.observe(series.tokens.reasoning, tokens.reasoning);
    }
    // Float dollars are fine for a rate on a dashboard; the ledger keeps the exact amounts.
    if (chat.costNanoUsd > 0n) this.#cost.inc(series.labels, Number(chat.costNanoUsd) / 1e9);
  }

  attemptEnded(attempt: AttemptCount): void {
    const deployment = this.#caps.deployment.value(attempt.deployment);
    const region = this.#caps.region.value(attempt.region);
    const { outcome } = attempt;
    this.#attempts.inc(this.#attemptLabels.get([deployment, region, outcome], () => ({ deployment, region, outcome })));
  }

  failedOver(failover: FailoverCount): void {
    this.#failovers.inc({
      route: this.#caps.route.value(failover.route),
      deployment: this.#caps.deployment.value(failover.deployment),
      reason: failover.reason,
    });
  }

  /** A configured deployment's circuit moved or it was told to cool down (DeploymentPoolOptions.onEvent). */
  deploymentEvent(deploymentId: string, event: DeploymentEvent): void {
    if (event.type === "circuit") this.#transitions.inc({ deployment: deploymentId, to: event.to });
    else this.#cooldowns.inc({ deployment: deploymentId });
  }

  #series(chat: ChatMeasurement): GenAiSeries {
    const requestModel = this.#caps.model.value(chat.requestModel);
    const responseModel = this.#caps.model.value(chat.responseModel);
    const serverAddress = this.#caps.server.value(chat.serverAddress);
    const deployment = this.#caps.deployment.value(chat.deployment);
    const region = this.#caps.region.value(chat.region);
    const { serverPort } = chat;
    return this.#genAiSeries.get([requestModel, responseModel, serverAddress, serverPort, deployment, region], () =>
      new GenAiSeries({ requestModel, responseModel, serverAddress, serverPort, deployment, region }),
    );
  }

  /** Gauges read from the pool's snapshots at each scrape. */
  #deploymentGauges(deployments: () => readonly DeploymentSnapshot[], clock: () => number): void {
    const gauge = (name: string, help: string, value: (snapshot: DeploymentSnapshot, nowMs: number) => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ["deployment", "region"],
        registers: [this.#registry],
        collect() {
          this.reset();
          const nowMs = clock();
          for (const snapshot of deployments()) {
            const measured = value(snapshot, nowMs);
            if (measured !== undefined) this.set({ deployment: snapshot.id, region: snapshot.region }, measured);
          }
        },
      });
    };
    new Gauge({
      name: "tensorwall_deployment_circuit_state",
      help: "Each configured deployment's circuit: 1 for the state it is in (closed, open, half_open), 0 for the others.",
      labelNames: ["deployment", "region", "state"],
      registers: [this.#registry],
      collect() {
        this.reset();
        for (const snapshot of deployments()) {
          for (const state of CIRCUIT_STATES) {
            this.set({ deployment: snapshot.id, region: snapshot.region, state }, snapshot.circuit === state ? 1 : 0);
          }
        }
      },
    });
    gauge("tensorwall_deployment_in_flight", "Requests each deployment is serving now.", (snapshot) => snapshot.inFlight);
    gauge(
      "tensorwall_deployment_enabled",
      "1 for a deployment taking new requests, 0 for one drained by SetDeploymentEnabled.",
      (snapshot) => (snapshot.enabled ? 1 : 0),
    );
    gauge(
      "tensorwall_deployment_cooldown_seconds",
      "How long a deployment still cools down after Azure asked it to back off; 0 when it is not.",
      (snapshot, nowMs) => (snapshot.cooldownUntilMs === undefined ? 0 : Math.max(0, snapshot.cooldownUntilMs - nowMs) / 1000),
    );
    gauge(
      "tensorwall_deployment_latency_estimate_seconds",
      "Each deployment's smoothed time to first byte, as the least_latency strategy sees it; absent before its first answer.",
      (snapshot) => (snapshot.latencyEstimateMs === undefined ? undefined : snapshot.latencyEstimateMs / 1000),
    );
  }
}
