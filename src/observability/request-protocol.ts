/** Which protocol carried a request: the REST bridge, or one of the three RPC protocols. */
export type RequestProtocol = "rest" | "connect" | "grpc" | "grpc-web";

/** The RPC protocol of a request Connect routed, by its content type (as Connect itself tells them apart). */
export function rpcProtocol(contentType: string | undefined): Exclude<RequestProtocol, "rest"> {
  const type = contentType?.toLowerCase() ?? "";
  if (type.startsWith("application/grpc-web")) return "grpc-web";
  if (type.startsWith("application/grpc")) return "grpc";
  return "connect";
}
