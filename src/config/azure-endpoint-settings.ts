import { ConfigError } from "./config-error.js";

/**
 * An Azure OpenAI resource endpoint: an http(s) origin without credentials, query or fragment.
 * Returned without trailing slashes.
 */
export function endpointUrl(setting: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(setting, `expected a URL such as https://my-resource.openai.azure.com, got "${raw}"`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(setting, `expected an https:// URL, got "${raw}"`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new ConfigError(setting, "expected a bare origin without credentials, query or fragment");
  }
  return raw.replace(/\/+$/, "");
}

/** "v1" or a dated Azure OpenAI api-version such as 2024-10-21 (optionally -preview). */
export function apiVersion(setting: string, raw: string): string {
  if (raw !== "v1" && !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(raw)) {
    throw new ConfigError(setting, `expected "v1" or a dated version such as 2024-10-21, got "${raw}"`);
  }
  return raw;
}
