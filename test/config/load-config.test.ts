import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

describe("loadConfig", () => {
  it("has safe defaults for everything", () => {
    const config = loadConfig({});
    expect(config.host).toBe("0.0.0.0");
    expect(config.port).toBe(8000);
    expect(config.tls).toBeUndefined();
    expect(config.azure.apiVersion).toBe("2024-10-21");
    expect(config.azure.endpointUrl).toBeUndefined();
    expect(config.databasePath).toBe("./data/tensorwall.db");
  });

  it("strips trailing slashes from the Azure endpoint", () => {
    const config = loadConfig({ AZURE_OPENAI_ENDPOINT: "https://contoso.openai.azure.com//" });
    expect(config.azure.endpointUrl).toBe("https://contoso.openai.azure.com");
  });

  it("reads comma-separated lists without empty items", () => {
    const config = loadConfig({ AZURE_OPENAI_DEPLOYMENTS: "gpt-4o, ,gpt-4o-mini,", TENSORWALL_ALLOWED_ENDPOINTS: "https://*.example.com" });
    expect(config.azure.deployments).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(config.allowedEndpointPatterns).toEqual(["https://*.example.com"]);
  });

  it.each([
    ["PORT", "eighty", "PORT: expected a whole number from 0 to 65535"],
    ["PORT", "70000", "PORT: expected a whole number"],
    ["TENSORWALL_MAX_REQUEST_BYTES", "-1", "TENSORWALL_MAX_REQUEST_BYTES: expected a whole number"],
    ["AZURE_OPENAI_ENDPOINT", "not a url", "AZURE_OPENAI_ENDPOINT: expected a URL"],
    ["AZURE_OPENAI_ENDPOINT", "ftp://contoso.openai.azure.com", "AZURE_OPENAI_ENDPOINT: expected an https:// URL"],
    ["AZURE_OPENAI_ENDPOINT", "https://user:pw@contoso.openai.azure.com", "AZURE_OPENAI_ENDPOINT: expected a bare origin"],
    ["AZURE_OPENAI_API_VERSION", "latest", 'AZURE_OPENAI_API_VERSION: expected "v1" or a dated version'],
    ["TLS_CERT", "/nonexistent/cert.pem", "TLS_CERT and TLS_KEY must be set together"],
  ])("refuses %s=%s with a message naming the setting", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("accepts the v1 API version and preview versions", () => {
    expect(loadConfig({ AZURE_OPENAI_API_VERSION: "v1" }).azure.apiVersion).toBe("v1");
    expect(loadConfig({ AZURE_OPENAI_API_VERSION: "2025-04-01-preview" }).azure.apiVersion).toBe("2025-04-01-preview");
  });

  it("reads TLS material given inline as PEM", () => {
    const pem = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----";
    expect(loadConfig({ TLS_CERT: pem, TLS_KEY: pem }).tls).toEqual({ cert: pem, key: pem });
  });
});
