export { DASHBOARD_ASSETS, type DashboardAsset } from "./dashboard-assets.js";
export { dashboardReply, isDashboardPath, type DashboardReply } from "./dashboard-reply.js";
