/** A request target's path, without its query: what both doors route by and the telemetry labels. */
export function pathOf(url: string): string {
  const queryAt = url.indexOf("?");
  return queryAt === -1 ? url : url.slice(0, queryAt);
}
