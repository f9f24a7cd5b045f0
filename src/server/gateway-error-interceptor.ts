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

/**
 * The messages of a server stream, with a failure converted as it passes. A wrapper rather than an
 * async generator: a message costs one `then`, and an open stream holds no suspended generator.
 */
function convertStreamErrors<T>(messages: AsyncIterable<T>, convert: (error: unknown) => ConnectError): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const iterator = messages[Symbol.asyncIterator]();
      const rethrow = (error: unknown): never => {
        throw convert(error);
      };
      return {
        next: () => iterator.next().then(undefined, rethrow),
        // Connect throws a write failure into the stream; the stream ends on it as a generator's would.
        throw: async (error?: unknown) => {
          if (iterator.throw !== undefined) return iterator.throw(error).then(undefined, rethrow);
          await iterator.return?.();
          return rethrow(error);
        },
        return: async (value?: unknown) => (await iterator.return?.(value)) ?? { done: true, value: undefined },
      };
    },
  };
}
