import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";

/** Which @azure/identity credential proves the gateway's identity to Azure OpenAI. */
export type EntraCredentialChoice =
  /** A managed identity: the system-assigned one, or the user-assigned one with this client id. */
  | { readonly kind: "managed_identity"; readonly clientId: string | undefined }
  /** DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI... */
  | { readonly kind: "default_credential" };

/**
 * The credential for a choice. @azure/identity is loaded on the first token request, so a gateway
 * that only uses API keys never pays for loading it.
 */
export function entraCredential(choice: EntraCredentialChoice): TokenCredential {
  let loaded: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      loaded ??= load(choice);
      return (await loaded).getToken(scopes, options);
    },
  };
}

async function load(choice: EntraCredentialChoice): Promise<TokenCredential> {
  const identity = await import("@azure/identity");
  if (choice.kind === "default_credential") return new identity.DefaultAzureCredential();
  return choice.clientId === undefined
    ? new identity.ManagedIdentityCredential()
    : new identity.ManagedIdentityCredential({ clientId: choice.clientId });
}
