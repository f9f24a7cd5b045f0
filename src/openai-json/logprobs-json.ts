import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { ChoiceLogprobs, TokenLogprob, TopLogprob } from "../../gen/tensorwall/v1/chat_pb.js";
import { lenient } from "./lenient-json.js";

/**
 * A choice's log probabilities between Azure's JSON and the proto. OpenAI writes an absent list as
 * `null`; the proto cannot tell an empty list from an absent one, so an empty list is written as
 * `null` too (a real token always has at least one byte, so `bytes` reads the same way).
 */
export const logprobsJson = {
  fromJson(value: JsonValue | undefined): ChoiceLogprobs | undefined {
    const json = lenient.object(value);
    if (json === undefined) return undefined;
    return {
      $typeName: "tensorwall.v1.ChoiceLogprobs",
      content: tokensFromJson(json["content"]),
      refusal: tokensFromJson(json["refusal"]),
    };
  },

  toJson(logprobs: ChoiceLogprobs): JsonObject {
    return {
      content: logprobs.content.length > 0 ? logprobs.content.map(tokenToJson) : null,
      refusal: logprobs.refusal.length > 0 ? logprobs.refusal.map(tokenToJson) : null,
    };
  },
};

function tokensFromJson(value: JsonValue | undefined): TokenLogprob[] {
  const json = lenient.array(value);
  const tokens: TokenLogprob[] = [];
  for (const item of json) {
    const token = lenient.object(item);
    if (token === undefined) continue;
    const top: TopLogprob[] = [];
    for (const alternative of lenient.array(token["top_logprobs"])) {
      const t = lenient.object(alternative);
      if (t === undefined) continue;
      top.push({
        $typeName: "tensorwall.v1.TopLogprob",
        token: lenient.string(t["token"]),
        logprob: lenient.number(t["logprob"]),
        bytes: bytesFromJson(t["bytes"]),
      });
    }
    tokens.push({
      $typeName: "tensorwall.v1.TokenLogprob",
      token: lenient.string(token["token"]),
      logprob: lenient.number(token["logprob"]),
      bytes: bytesFromJson(token["bytes"]),
      topLogprobs: top,
    });
  }
  return tokens;
}

function bytesFromJson(value: JsonValue | undefined): number[] {
  if (!Array.isArray(value)) return [];
  for (const byte of value) {
    if (typeof byte !== "number") return [];
  }
  // Every element is a number, so Azure's array serves as is.
  return value as number[];
}

function tokenToJson(token: TokenLogprob): JsonObject {
  return {
    token: token.token,
    logprob: token.logprob,
    bytes: token.bytes.length > 0 ? token.bytes : null,
    top_logprobs: token.topLogprobs.map(topToJson),
  };
}

function topToJson(top: TopLogprob): JsonObject {
  return { token: top.token, logprob: top.logprob, bytes: top.bytes.length > 0 ? top.bytes : null };
}
