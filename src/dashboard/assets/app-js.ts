/**
 * The dashboard's entry module, served at `/dashboard/app.js`: polls AdminService, renders the
 * deployments table and the usage charts, and sends reset and drain actions.
 *
 * Kept as a string (String.raw, so escapes stay as written) because the build compiles only
 * TypeScript; it must contain no backtick and no dollar-brace.
 */
export const APP_JS = String.raw`// The dashboard: polls AdminService, renders deployments and usage, and sends the operator's actions.
import { AdminError, callAdmin } from "./admin-api.js";
import { circuitLabel, formatCount, formatMs, formatRemaining, formatUsd, formatUsdTick } from "./format.js";
import { bucketStarts, METRICS, niceScale, RANGES, stackedBars, usageSeries } from "./usage-chart.js";

const DEPLOYMENTS_EVERY_MS = 1500;
const USAGE_EVERY_MS = 5000;
const SVG = "http://www.w3.org/2000/svg";

const view = {
  range: "day",
  metric: "cost",
  deployments: [],
  rows: new Map(),
  deploymentsError: undefined,
  usageError: undefined,
  actionError: undefined,
};

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function svgElement(tag, attributes) {
  const made = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes ?? {})) made.setAttribute(name, String(value));
  return made;
}

// ---- Deployments ----

function createRow(id) {
  const tr = element("tr");
  tr.dataset.deploymentId = id;
  const cells = {};
  for (const field of ["deployment", "region", "routes", "circuit", "inFlight", "latency", "counts", "cooldown", "actions"]) {
    cells[field] = element("td");
    cells[field].dataset.field = field;
    tr.append(cells[field]);
  }
  for (const field of ["inFlight", "latency", "counts"]) cells[field].className = "num";
  cells.deployment.append(element("div", "dep-name"), element("div", "dep-id muted"));
  const circuit = element("span", "badge circuit");
  const drained = element("span", "badge tone-muted drained", "Drained");
  cells.circuit.append(circuit, drained);
  const reset = element("button", "btn", "Reset breaker");
  reset.type = "button";
  reset.dataset.action = "reset";
  const toggle = element("button", "btn");
  toggle.type = "button";
  toggle.dataset.action = "toggle";
  cells.actions.className = "actions";
  cells.actions.append(reset, toggle);
  return { tr, cells, circuit, drained, reset, toggle };
}

function updateRow(row, deployment, nowMs) {
  const { cells } = row;
  cells.deployment.firstChild.textContent = deployment.deployment ?? "";
  cells.deployment.lastChild.textContent = deployment.id + (deployment.model ? " · " + deployment.model : "");
  cells.region.textContent = deployment.region || deployment.endpoint || "–";
  cells.routes.replaceChildren(...(deployment.routes ?? []).map((route) => element("span", "chip", route)));
  const circuit = circuitLabel(deployment.circuitState);
  row.circuit.textContent = circuit.text;
  row.circuit.className = "badge circuit tone-" + circuit.tone;
  const enabled = deployment.enabled === true;
  row.drained.hidden = enabled;
  row.tr.classList.toggle("is-drained", !enabled);
  cells.inFlight.textContent = formatCount(deployment.inFlight ?? 0);
  cells.latency.textContent = formatMs(deployment.latencyEstimateMs ?? 0);
  cells.counts.replaceChildren(
    element("span", "", formatCount(Number(deployment.successCount ?? "0"))),
    element("span", "muted", " / "),
    element("span", Number(deployment.failureCount ?? "0") > 0 ? "bad-text" : "", formatCount(Number(deployment.failureCount ?? "0"))),
  );
  const cooldown = deployment.cooldownUntil ? formatRemaining(Date.parse(deployment.cooldownUntil), nowMs) : "";
  cells.cooldown.textContent = cooldown === "" ? "–" : cooldown;
  cells.cooldown.classList.toggle("warn-text", cooldown !== "");
  const nothingToReset = deployment.circuitState === "CIRCUIT_STATE_CLOSED" && cooldown === "";
  if (!row.reset.classList.contains("busy")) row.reset.disabled = nothingToReset;
  row.reset.title = nothingToReset ? "The circuit is closed and there is no cooldown." : "Close the circuit and clear the cooldown.";
  row.toggle.textContent = enabled ? "Drain" : "Enable";
  row.toggle.classList.toggle("btn-primary", !enabled);
  row.toggle.title = enabled ? "Send this deployment no new requests." : "Let this deployment take requests again.";
}

function renderDeployments() {
  const tbody = $("deployments").tBodies[0];
  const nowMs = Date.now();
  const seen = new Set();
  view.deployments.forEach((deployment, index) => {
    seen.add(deployment.id);
    let row = view.rows.get(deployment.id);
    if (row === undefined) {
      row = createRow(deployment.id);
      view.rows.set(deployment.id, row);
    }
    updateRow(row, deployment, nowMs);
    // Only moved when out of place: moving a row would take focus from its buttons.
    if (tbody.children[index] !== row.tr) tbody.insertBefore(row.tr, tbody.children[index] ?? null);
  });
  for (const [id, row] of view.rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      view.rows.delete(id);
    }
  }
  $("deployments-empty").hidden = view.deployments.length > 0;
  const open = view.deployments.filter((one) => one.circuitState === "CIRCUIT_STATE_OPEN").length;
  const halfOpen = view.deployments.filter((one) => one.circuitState === "CIRCUIT_STATE_HALF_OPEN").length;
  const drained = view.deployments.filter((one) => one.enabled !== true).length;
  $("tile-deployments").textContent = String(view.deployments.length);
  const notes = [open + " open"];
  if (halfOpen > 0) notes.push(halfOpen + " half-open");
  notes.push(drained + " drained");
  $("tile-deployments-note").textContent = notes.join(" · ");
  $("tile-deployments-note").classList.toggle("bad-text", open > 0);
  $("tile-inflight").textContent = formatCount(view.deployments.reduce((total, one) => total + (one.inFlight ?? 0), 0));
}

async function refreshDeployments() {
  try {
    const response = await callAdmin("ListDeployments", {});
    view.deployments = response.deployments ?? [];
    view.deploymentsError = undefined;
    renderDeployments();
    $("live-text").textContent = "Live · updated " + new Date().toLocaleTimeString();
  } catch (error) {
    view.deploymentsError = error;
  }
  renderStatus();
}

async function act(button) {
  const row = button.closest("tr");
  const id = row.dataset.deploymentId;
  const deployment = view.deployments.find((one) => one.id === id);
  if (deployment === undefined) return;
  const call = button.dataset.action === "reset"
    ? { method: "ResetCircuit", request: { deploymentId: id } }
    : { method: "SetDeploymentEnabled", request: { deploymentId: id, enabled: deployment.enabled !== true } };
  button.disabled = true;
  button.classList.add("busy");
  try {
    const response = await callAdmin(call.method, call.request);
    view.actionError = undefined;
    const index = view.deployments.findIndex((one) => one.id === id);
    if (index !== -1 && response.deployment) view.deployments[index] = response.deployment;
    renderDeployments();
    toast(describeAction(call, response.deployment));
  } catch (error) {
    view.actionError = error;
  } finally {
    button.classList.remove("busy");
    button.disabled = false;
    renderDeployments();
    renderStatus();
  }
}

function describeAction(call, deployment) {
  const id = call.request.deploymentId;
  if (call.method === "ResetCircuit") return "Reset the breaker of " + id + ": " + circuitLabel(deployment?.circuitState).text.toLowerCase() + ".";
  return call.request.enabled ? "Enabled " + id + "." : "Drained " + id + ": it gets no new requests.";
}

let toastTimer;
function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    box.hidden = true;
  }, 4000);
}

// ---- Usage ----

async function refreshUsage() {
  const asked = view.range;
  const range = RANGES[asked];
  const starts = bucketStarts(Date.now(), range.bucketMs, range.count);
  const base = { startTime: new Date(starts[0]).toISOString(), bucket: range.bucket };
  try {
    const [byKey, byRoute, keys] = await Promise.all([
      callAdmin("GetUsage", { ...base, groupBy: ["USAGE_DIMENSION_KEY"] }),
      callAdmin("GetUsage", { ...base, groupBy: ["USAGE_DIMENSION_ROUTE"] }),
      callAdmin("ListKeys", { includeRevoked: true }),
    ]);
    // An answer for a range the operator has since switched away from is dropped.
    if (asked !== view.range) return;
    view.usage = { starts, byKey, byRoute, keyNames: new Map((keys.keys ?? []).map((key) => [key.id, key.name || key.id])) };
    view.usageError = undefined;
    renderUsage();
  } catch (error) {
    view.usageError = error;
  }
  renderStatus();
}

function renderUsage() {
  const usage = view.usage;
  if (usage === undefined) return;
  const metric = METRICS[view.metric];
  const total = usage.byKey.total ?? {};
  const requests = Number(total.requests ?? "0");
  const failed = Number(total.failedRequests ?? "0");
  const rangeLabel = RANGES[view.range].label;
  for (const label of document.querySelectorAll(".range-label")) label.textContent = rangeLabel;
  $("tile-requests").textContent = formatCount(requests);
  $("tile-failed").textContent = formatCount(failed);
  $("tile-failed-note").textContent = requests > 0 ? (Math.round((failed / requests) * 1000) / 10) + "% of requests" : "";
  $("tile-cost").textContent = formatUsd(Number(total.costUsd ?? "0"));
  $("tile-tokens-note").textContent = formatCount(Number(total.promptTokens ?? "0") + Number(total.completionTokens ?? "0")) + " tokens";
  const keyLabel = (id) => usage.keyNames.get(id) ?? (id === "" ? "(no key)" : id);
  const routeLabel = (route) => (route === "" ? "(no route)" : route);
  drawChart($("chart-key"), usageSeries(usage.byKey.rows ?? [], { dimension: "keyId", starts: usage.starts, value: metric.value, labelOf: keyLabel }), usage.starts);
  drawChart($("chart-route"), usageSeries(usage.byRoute.rows ?? [], { dimension: "route", starts: usage.starts, value: metric.value, labelOf: routeLabel }), usage.starts);
}

function formatMetric(value) {
  return view.metric === "cost" ? formatUsd(value) : formatCount(value);
}

function formatTick(value, step) {
  return view.metric === "cost" ? formatUsdTick(value, step) : formatCount(value);
}

function bucketLabel(startMs) {
  const date = new Date(startMs);
  return view.range === "day"
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    : date.toLocaleDateString([], { month: "short", day: "numeric", timeZone: "UTC" });
}

function drawChart(figure, series, starts) {
  const width = 600;
  const height = 220;
  const plot = { x: 64, y: 12, width: width - 64 - 12, height: height - 12 - 28 };
  const max = Math.max(0, ...starts.map((_, index) => series.reduce((total, one) => total + one.values[index], 0)));
  const scale = niceScale(max, 4, METRICS[view.metric].integer);
  const svg = svgElement("svg", { viewBox: "0 0 " + width + " " + height, class: "chart-svg", role: "img" });
  svg.setAttribute("aria-label", figure.querySelector("figcaption").textContent + ": " + METRICS[view.metric].label.toLowerCase() + " over " + RANGES[view.range].label);
  for (const tick of scale.ticks) {
    const y = plot.y + plot.height - (tick / scale.max) * plot.height;
    svg.append(svgElement("line", { x1: plot.x, x2: plot.x + plot.width, y1: y, y2: y, class: tick === 0 ? "axis" : "grid" }));
    const label = svgElement("text", { x: plot.x - 8, y: y + 4, class: "tick", "text-anchor": "end" });
    label.textContent = formatTick(tick, scale.step);
    svg.append(label);
  }
  const every = starts.length > 24 ? 5 : 3;
  starts.forEach((start, index) => {
    if ((starts.length - 1 - index) % every !== 0) return;
    const x = plot.x + (index + 0.5) * (plot.width / starts.length);
    const label = svgElement("text", { x, y: height - 8, class: "tick", "text-anchor": "middle" });
    label.textContent = bucketLabel(start);
    svg.append(label);
  });
  for (const bar of stackedBars(series, starts.length, scale.max, plot)) {
    const one = series[bar.seriesIndex];
    const rect = svgElement("rect", { x: bar.x, y: bar.y, width: bar.width, height: bar.height, rx: 1.5, class: "bar s" + bar.seriesIndex });
    const title = svgElement("title");
    title.textContent = one.label + " · " + bucketLabel(starts[bar.bucketIndex]) + ": " + formatMetric(bar.value);
    rect.append(title);
    svg.append(rect);
  }
  figure.querySelector(".chart-svg").replaceWith(svg);
  const legend = figure.querySelector(".legend");
  legend.replaceChildren(...series.map((one, index) => {
    const item = element("li");
    item.dataset.series = one.id;
    item.append(element("span", "swatch s" + index), element("span", "legend-label", one.label), element("span", "legend-value", formatMetric(one.total)));
    return item;
  }));
  figure.querySelector(".chart-empty").hidden = series.length > 0;
}

// ---- Status, controls, polling ----

function renderStatus() {
  const error = view.actionError ?? view.deploymentsError ?? view.usageError;
  const banner = $("banner");
  if (error === undefined) {
    banner.hidden = true;
  } else {
    banner.hidden = false;
    banner.textContent = error instanceof AdminError && error.status === 401
      ? "The gateway refused the admin key. Reload the page to sign in again."
      : error instanceof AdminError && error.status === 403
        ? "This key is not an admin key. Reload the page and sign in with an admin key."
        : (error.message || String(error));
  }
  const live = $("live");
  const down = view.deploymentsError !== undefined;
  live.classList.toggle("is-down", down);
  if (down) $("live-text").textContent = "Not connected · retrying";
}

function choose(attribute, value) {
  for (const button of document.querySelectorAll("[data-" + attribute + "]")) {
    button.setAttribute("aria-pressed", String(button.dataset[attribute] === value));
  }
}

function poll(refresh, everyMs) {
  let timer;
  const run = async () => {
    clearTimeout(timer);
    await refresh();
    // One timer, however many runs overlapped. Hidden tabs stop asking; visibilitychange catches up.
    clearTimeout(timer);
    if (!document.hidden) timer = setTimeout(run, everyMs);
  };
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) void run();
  });
  void run();
  return run;
}

function start() {
  $("deployments").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button && !button.disabled) void act(button);
  });
  const refreshUsageNow = poll(refreshUsage, USAGE_EVERY_MS);
  for (const button of document.querySelectorAll("[data-range]")) {
    button.addEventListener("click", () => {
      view.range = button.dataset.range;
      choose("range", view.range);
      void refreshUsageNow();
    });
  }
  for (const button of document.querySelectorAll("[data-metric]")) {
    button.addEventListener("click", () => {
      view.metric = button.dataset.metric;
      choose("metric", view.metric);
      renderUsage();
    });
  }
  choose("range", view.range);
  choose("metric", view.metric);
  poll(refreshDeployments, DEPLOYMENTS_EVERY_MS);
}

start();
`;
