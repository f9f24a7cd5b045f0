import { describe, expect, it } from "vitest";
import { chatCompletionsBody, chatCompletionsUrl } from "../../src/azure/chat-completions-request.js";
import { GatewayError } from "../../src/errors/index.js";

const target = { endpointUrl: "https://contoso.openai.azure.com", deployment: "gpt-4o", apiVersion: "2024-10-21" };

describe("chatCompletionsUrl", () => {
  it("builds the deployments API URL with the api-version", () => {
    expect(chatCompletionsUrl(target)).toBe(
      "https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    );
  });

  it("tolerates trailing slashes on the endpoint", () => {
    expect(chatCompletionsUrl({ ...target, endpointUrl: "https://contoso.openai.azure.com///" })).toBe(
      chatCompletionsUrl(target),
    );
  });

  it("encodes the deployment name and the api-version", () => {
    const url = chatCompletionsUrl({ ...target, deployment: "my dep/../x?y#z", apiVersion: "2024-10-01-preview&x=1" });
    expect(url).toBe(
      "https://contoso.openai.azure.com/openai/deployments/my%20dep%2F..%2Fx%3Fy%23z/chat/completions?api-version=2024-10-01-preview%26x%3D1",
    );
  });

  it("uses /openai/v1 with no api-version for the v1 API", () => {
    expect(chatCompletionsUrl({ ...target, apiVersion: "v1" })).toBe("https://contoso.openai.azure.com/openai/v1/chat/completions");
  });

  it("refuses an endpoint that is not an http(s) URL", () => {
    for (const endpointUrl of ["contoso.openai.azure.com", "ftp://contoso.openai.azure.com", ""]) {
      const attempt = (): string => chatCompletionsUrl({ ...target, endpointUrl });
      expect(attempt).toThrow(GatewayError);
      expect(attempt).toThrow(expect.objectContaining({ code: "invalid_endpoint" }) as Error);
    }
  });
});

describe("chatCompletionsBody", () => {
  const body = { messages: [{ role: "user", content: "Hi" }], temperature: 0.2 };

  it("sends the body as given on the deployments API", () => {
    expect(JSON.parse(chatCompletionsBody(target, body))).toEqual(body);
  });

  it("never sends a model on the deployments API", () => {
    expect(JSON.parse(chatCompletionsBody(target, { ...body, model: "x" }))).toEqual(body);
  });

  it("names the deployment as model on the v1 API without touching the caller's object", () => {
    const given = structuredClone(body);
    expect(JSON.parse(chatCompletionsBody({ ...target, apiVersion: "v1" }, given))).toEqual({ ...body, model: "gpt-4o" });
    expect(given).toEqual(body);
  });
});
