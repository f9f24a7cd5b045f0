import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/index.js";
import { authorizeModel, requireAdmin, type Principal } from "../../src/keys/index.js";

function principal(overrides: Partial<Principal> = {}): Principal {
  return { keyId: "key_1", name: "test", role: "client", allowedModels: [], limits: {}, ...overrides };
}

function thrown(fn: () => void): GatewayError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

describe("authorizeModel", () => {
  it("lets a key with no allowed models use any model", () => {
    expect(() => authorizeModel(principal(), "anything")).not.toThrow();
  });

  it("lets a key use a model on its list", () => {
    expect(() => authorizeModel(principal({ allowedModels: ["gpt-4o", "o3"] }), "o3")).not.toThrow();
  });

  it("refuses a model not on the list, naming it", () => {
    const error = thrown(() => authorizeModel(principal({ allowedModels: ["gpt-4o"] }), "o3"));
    expect(error.code).toBe("permission_denied");
    expect(error.message).toContain('"o3"');
    expect(error.param).toBe("model");
  });

  it("treats azure/<deployment> as its own name, matched exactly", () => {
    const onlyAzure = principal({ allowedModels: ["azure/gpt-4o"] });
    expect(() => authorizeModel(onlyAzure, "azure/gpt-4o")).not.toThrow();
    expect(thrown(() => authorizeModel(onlyAzure, "gpt-4o")).code).toBe("permission_denied");
    const onlyRoute = principal({ allowedModels: ["gpt-4o"] });
    expect(thrown(() => authorizeModel(onlyRoute, "azure/gpt-4o")).code).toBe("permission_denied");
  });

  it("matches case-sensitively", () => {
    const error = thrown(() => authorizeModel(principal({ allowedModels: ["gpt-4o"] }), "GPT-4o"));
    expect(error.code).toBe("permission_denied");
  });
});

describe("requireAdmin", () => {
  it("lets an admin key through", () => {
    expect(() => requireAdmin(principal({ role: "admin" }))).not.toThrow();
  });

  it("refuses a client key with permission_denied", () => {
    expect(thrown(() => requireAdmin(principal())).code).toBe("permission_denied");
  });
});
