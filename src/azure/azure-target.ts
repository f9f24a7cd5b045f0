/**
 * How the gateway proves itself to Azure OpenAI. Entra ID tokens expire, so the bearer form asks for
 * a token on every request; caching and refreshing them is the token source's job (for example
 * @azure/identity's credentials already cache).
 */
export type AzureAuth =
  | { kind: "api_key"; apiKey: string }
  | { kind: "bearer"; getToken(signal: AbortSignal): Promise<string> };

/** One Azure OpenAI deployment the gateway can send a chat completion to. */
export interface AzureTarget {
  /** The resource endpoint, e.g. "https://contoso.openai.azure.com"; trailing slashes are tolerated. */
  endpointUrl: string;
  /** The Azure deployment name (not the model name); it is URL-encoded into the path. */
  deployment: string;
  /** An Azure OpenAI api-version such as "2024-10-21"; "v1" selects Azure's v1 API. */
  apiVersion: string;
  auth: AzureAuth;
}
