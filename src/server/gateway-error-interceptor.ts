import { ConnectError, type ContextValues, type Interceptor } from "@connectrpc/connect";
import { toConnectError, toGatewayError } from "../errors/index.js";

export interface GatewayErrorInterceptorOptions {
  /** Told of errors the gateway did not expect; their callers hear only "internal". */
  readonly onUnexpectedError: (error: unknown) => void;
  /** Told of the Connect error each failed call answers, with that call's context values. */
  readonly onCallFailed: (error: ConnectError, contextValues: ContextValues) => void;
}

/**
 * Turns whatever a handler throws into the Connect error our error table names, for unary calls and
 * for errors raised part-way through a server stream, and reports it. One interceptor for both, so
 * a call pays for one async frame and a stream for one wrapper around its messages.
 */
export function gatewayErrorInterceptor(options: GatewayErrorInterceptorOptions): Interceptor {
  const { onUnexpectedError, onCallFailed } = options;
  return (next) => async (request) => {
    const fail = (error: unknown): ConnectError => {
      if (!(error instanceof ConnectError) && toGatewayError(error).code === "internal_error") onUnexpectedError(error);
      const converted = toConnectError(error);
      onCallFailed(converted, request.contextValues);
      return converted;
    };
    try {
      const response = await next(request);
      if (!response.stream) return response;
      return { ...response, message: convertStreamErrors(response.message, fail) };
    } catch (error) {
      throw fail(error);
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
