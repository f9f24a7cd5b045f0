import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

const observability = (env: Record<string, string>) => loadConfig(env).observability;

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("observability settings", () => {
  it("default to info logs without prompts, open metrics and no tracing", () => {
    expect(observability({})).toEqual({ logLevel: "info", logPrompts: false, metrics: "on", tracing: undefined });
  });

  it("read LOG_LEVEL, TENSORWALL_LOG_PROMPTS and TENSORWALL_METRICS, case-insensitively", () => {
    expect(observability({ LOG_LEVEL: "DEBUG", TENSORWALL_LOG_PROMPTS: "True", TENSORWALL_METRICS: "admin" })).toMatchObject({
      logLevel: "debug",
      logPrompts: true,
      metrics: "admin",
    });
  });

  it("name the setting and the valid values for a bad one", () => {
    expect(configError({ LOG_LEVEL: "verbose" }).message).toBe('LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"');
    expect(configError({ TENSORWALL_LOG_PROMPTS: "yes" }).setting).toBe("TENSORWALL_LOG_PROMPTS");
    expect(configError({ TENSORWALL_METRICS: "private" }).message).toContain("on, admin, off");
  });

  it("trace to OTEL_EXPORTER_OTLP_ENDPOINT's /v1/traces, or to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given", () => {
    expect(observability({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).tracing).toEqual({
      tracesUrl: "http://collector:4318/v1/traces",
      headers: {},
      serviceName: "tensorwall",
    });
    expect(observability({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector/otlp/" }).tracing?.tracesUrl).toBe("https://collector/otlp/v1/traces");
    expect(
      observability({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:4318/custom",
        OTEL_SERVICE_NAME: "gateway-eu",
      }).tracing,
    ).toMatchObject({ tracesUrl: "http://traces:4318/custom", serviceName: "gateway-eu" });
  });

  it("read OTLP headers, the traces-specific ones first", () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_HEADERS: "Api-Key=a%20b, x-tenant=t1" };
    expect(observability(env).tracing?.headers).toEqual({ "api-key": "a b", "x-tenant": "t1" });
    expect(observability({ ...env, OTEL_EXPORTER_OTLP_TRACES_HEADERS: "only=this" }).tracing?.headers).toEqual({ only: "this" });
    const error = configError({ ...env, OTEL_EXPORTER_OTLP_HEADERS: "token-without-name-s3cret" });
    expect(error.setting).toBe("OTEL_EXPORTER_OTLP_HEADERS");
    expect(error.message).not.toContain("s3cret");
  });

  it("start no tracing when OpenTelemetry is disabled or its exporter is none", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(observability({ ...endpoint, OTEL_SDK_DISABLED: "true" }).tracing).toBeUndefined();
    expect(observability({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }).tracing).toBeUndefined();
    expect(configError({ ...endpoint, OTEL_TRACES_EXPORTER: "zipkin" }).setting).toBe("OTEL_TRACES_EXPORTER");
    expect(configError({ OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317" }).message).toContain("OTLP over HTTP");
  });
});
