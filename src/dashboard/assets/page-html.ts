/**
 * The dashboard page, served at `/` to admins. Markup only: no inline script or style, which the
 * content security policy forbids.
 *
 * Kept as a string (String.raw, so escapes stay as written) because the build compiles only
 * TypeScript; it must contain no backtick and no dollar-brace.
 */
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TensorWall · Operations</title>
<link rel="icon" href="/dashboard/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/style.css">
<script type="module" src="/dashboard/app.js"></script>
</head>
<body>
<header class="topbar">
  <div class="brand"><span class="logo" aria-hidden="true"></span>TensorWall <span class="brand-sub">Operations</span></div>
  <div class="live" id="live" role="status"><span class="dot" aria-hidden="true"></span><span id="live-text">Connecting…</span></div>
</header>
<main>
  <div class="banner" id="banner" role="alert" hidden></div>

  <section class="tiles" aria-label="Summary">
    <div class="tile"><div class="tile-label">Deployments</div><div class="tile-value" id="tile-deployments">–</div><div class="tile-note" id="tile-deployments-note"></div></div>
    <div class="tile"><div class="tile-label">In flight</div><div class="tile-value" id="tile-inflight">–</div><div class="tile-note">requests now</div></div>
    <div class="tile"><div class="tile-label">Requests · <span class="range-label">24 hours</span></div><div class="tile-value" id="tile-requests">–</div><div class="tile-note" id="tile-tokens-note"></div></div>
    <div class="tile"><div class="tile-label">Failed · <span class="range-label">24 hours</span></div><div class="tile-value" id="tile-failed">–</div><div class="tile-note" id="tile-failed-note"></div></div>
    <div class="tile"><div class="tile-label">Cost · <span class="range-label">24 hours</span></div><div class="tile-value" id="tile-cost">–</div><div class="tile-note">US dollars</div></div>
  </section>

  <section class="card" aria-labelledby="deployments-title">
    <div class="card-head">
      <h2 id="deployments-title">Deployments</h2>
      <span class="card-note">Circuit breakers, load and cooldowns, refreshed every 1.5 s</span>
    </div>
    <div class="table-wrap">
      <table id="deployments">
        <thead>
          <tr>
            <th scope="col">Deployment</th><th scope="col">Region</th><th scope="col">Routes</th><th scope="col">Circuit</th>
            <th scope="col" class="num">In flight</th><th scope="col" class="num">Latency</th><th scope="col" class="num">OK / failed</th>
            <th scope="col">Cooldown</th><th scope="col" class="actions"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody></tbody>
      </table>
    </div>
    <p class="empty" id="deployments-empty" hidden>No deployments are configured: point <code>TENSORWALL_CONFIG</code> at a pool config file.</p>
  </section>

  <section class="card" aria-labelledby="usage-title">
    <div class="card-head">
      <h2 id="usage-title">Usage</h2>
      <div class="controls">
        <div class="segmented" role="group" aria-label="Range">
          <button type="button" data-range="day">24 hours</button><button type="button" data-range="month">30 days</button>
        </div>
        <div class="segmented" role="group" aria-label="Measure">
          <button type="button" data-metric="cost">Cost</button><button type="button" data-metric="requests">Requests</button><button type="button" data-metric="tokens">Tokens</button>
        </div>
      </div>
    </div>
    <div class="charts">
      <figure class="chart" id="chart-key">
        <figcaption>By key</figcaption>
        <svg class="chart-svg" viewBox="0 0 600 220"></svg>
        <p class="chart-empty">No requests in this range yet.</p>
        <ul class="legend"></ul>
      </figure>
      <figure class="chart" id="chart-route">
        <figcaption>By route</figcaption>
        <svg class="chart-svg" viewBox="0 0 600 220"></svg>
        <p class="chart-empty">No requests in this range yet.</p>
        <ul class="legend"></ul>
      </figure>
    </div>
  </section>
</main>
<div class="toast" id="toast" role="status" hidden></div>
</body>
</html>
`;
