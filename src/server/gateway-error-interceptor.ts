import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { toConnectError, toGatewayError } from "../errors/index.js";

/**
 * Turns whatever a handler throws into the Connect error our error table names, for unary calls and
 * for errors raised part-way through a server stream. Unexpected errors are reported for the logs
 * and reach the caller only as "internal".
 */
export function gatewayErrorInterceptor(onUnexpectedError: (error: unknown) => void): Interceptor {
  const convert = (error: unknown): ConnectError => {
    if (!(error instanceof ConnectError) && toGatewayError(error).code === "internal_error") onUnexpectedError(error);
    return toConnectError(error);
  };
  return (next) => async (request) => {
    try {
      const response = await next(request);
      if (!response.stream) return response;
      return { ...response, message: convertStreamErrors(response.message, convert) };
    } catch (error) {
      throw convert(error);
    }
  };
}

async function* convertStreamErrors<T>(messages: AsyncIterable<T>, convert: (error: unknown) => ConnectError): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw convert(error);
  }
}
