/**
 * The dashboard's favicon, served at `/dashboard/icon.svg`.
 *
 * Kept as a string (String.raw, so escapes stay as written) because the build compiles only
 * TypeScript; it must contain no backtick and no dollar-brace.
 */
export const ICON_SVG = String.raw`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2f5bd3"/><stop offset="1" stop-color="#7b4fd8"/></linearGradient></defs><rect width="32" height="32" rx="8" fill="url(#g)"/><path d="M8 10h16M16 10v14" stroke="#fff" stroke-width="3.2" stroke-linecap="round"/></svg>
`;
