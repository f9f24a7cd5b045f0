import type { ServedBy } from "../../gen/tensorwall/v1/chat_pb.js";

/** Response headers that say which deployment served a request, on every door. */
export function setServedByHeaders(headers: Headers, servedBy: ServedBy): void {
  for (const [name, value] of servedByHeaderEntries(servedBy)) headers.set(name, value);
}

export function servedByHeaderEntries(servedBy: ServedBy): [string, string][] {
  return [
    ["x-tensorwall-route", servedBy.route],
    ["x-tensorwall-deployment", servedBy.deployment],
    ["x-tensorwall-endpoint", servedBy.endpoint],
    ["x-tensorwall-region", servedBy.region],
    ["x-tensorwall-attempts", String(servedBy.attempts)],
  ];
}
