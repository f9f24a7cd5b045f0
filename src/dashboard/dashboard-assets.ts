import { ADMIN_API_JS } from "./assets/admin-api-js.js";
import { APP_JS } from "./assets/app-js.js";
import { FORMAT_JS } from "./assets/format-js.js";
import { ICON_SVG } from "./assets/icon-svg.js";
import { PAGE_HTML } from "./assets/page-html.js";
import { STYLE_CSS } from "./assets/style-css.js";
import { USAGE_CHART_JS } from "./assets/usage-chart-js.js";

/** One file of the dashboard. */
export interface DashboardAsset {
  readonly contentType: string;
  readonly body: string;
  /**
   * Only the page needs the admin key: it is what makes the browser ask for credentials. The
   * scripts, stylesheet and icon hold no data, and every call they make needs the key again.
   */
  readonly adminOnly: boolean;
}

const JS = "text/javascript; charset=utf-8";

/** The dashboard's files by request path. */
export const DASHBOARD_ASSETS: ReadonlyMap<string, DashboardAsset> = new Map([
  ["/", { contentType: "text/html; charset=utf-8", body: PAGE_HTML, adminOnly: true }],
  ["/dashboard/style.css", { contentType: "text/css; charset=utf-8", body: STYLE_CSS, adminOnly: false }],
  ["/dashboard/app.js", { contentType: JS, body: APP_JS, adminOnly: false }],
  ["/dashboard/admin-api.js", { contentType: JS, body: ADMIN_API_JS, adminOnly: false }],
  ["/dashboard/format.js", { contentType: JS, body: FORMAT_JS, adminOnly: false }],
  ["/dashboard/usage-chart.js", { contentType: JS, body: USAGE_CHART_JS, adminOnly: false }],
  ["/dashboard/icon.svg", { contentType: "image/svg+xml", body: ICON_SVG, adminOnly: false }],
]);
