import { GatewayError } from "../errors/index.js";
import type { KeyRole } from "../store/index.js";

export interface NewKeyInput {
  /** Shown in listings and logs; 1 to 200 characters after trimming. */
  readonly name: string;
  /** Default "client". */
  readonly role?: KeyRole;
  /** Model (route) names; each is trimmed and must be non-empty. Default [] (every model). */
  readonly allowedModels?: readonly string[];
}

export const MAX_KEY_NAME_LENGTH = 200;

/**
 * Validates and normalises a new key's fields; a violation is an invalid_request naming the
 * field as the proto spells it, since the admin API is the usual caller.
 */
export function normalizeNewKeyInput(input: NewKeyInput): Required<NewKeyInput> {
  const name = input.name.trim();
  if (name === "") {
    throw new GatewayError("invalid_request", "A key needs a name.", { param: "name" });
  }
  // Counted in code points so the limit matches what a person would call characters.
  if ([...name].length > MAX_KEY_NAME_LENGTH) {
    throw new GatewayError(
      "invalid_request",
      `A key name may be at most ${MAX_KEY_NAME_LENGTH} characters.`,
      { param: "name" },
    );
  }
  const role = input.role ?? "client";
  if (role !== "admin" && role !== "client") {
    throw new GatewayError("invalid_request", "A key's role must be admin or client.", {
      param: "role",
    });
  }
  const allowedModels: string[] = [];
  for (const [index, raw] of (input.allowedModels ?? []).entries()) {
    const model = typeof raw === "string" ? raw.trim() : "";
    if (model === "") {
      throw new GatewayError("invalid_request", "Allowed model names must be non-empty strings.", {
        param: `allowed_models[${index}]`,
      });
    }
    if (!allowedModels.includes(model)) allowedModels.push(model);
  }
  return { name, role, allowedModels };
}
