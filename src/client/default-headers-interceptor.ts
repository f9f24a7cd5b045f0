import type { Interceptor } from "@connectrpc/connect";

/**
 * Adds each header to every call that does not already carry it, so a header passed to one call
 * (another tenant's `authorization`, say) wins over the client-wide default.
 */
export function defaultHeadersInterceptor(defaults: Headers): Interceptor {
  return (next) => (request) => {
    defaults.forEach((value, name) => {
      if (!request.header.has(name)) request.header.set(name, value);
    });
    return next(request);
  };
}
