/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by playwright-core) against
 * a real gateway pooling two fake Azure regions. Set DASHBOARD_SCREENSHOT_DIR to keep screenshots.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CircuitState, KeyRole } from "../../gen/tensorwall/v1/admin_pb.js";
import { startPoolGateway, type PoolGateway } from "../pool/pool-gateway-harness.js";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const EAST = "eastus/gpt4o-ptu";
const WEST = "westeu/gpt4o-paygo";
const hello = { model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] };
/** Longer than the page's 1.5 s polling period, with room for a loaded machine. */
const SEEN_WITHIN_MS = 6000;

describe("the dashboard in a browser", () => {
  let gw: PoolGateway;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const pageProblems: string[] = [];
  const requestedUrls: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`This test needs Debian's chromium at ${CHROMIUM} (apt-get install chromium).`);
    gw = await startPoolGateway();
    profile = mkdtempSync(join(tmpdir(), "tensorwall-chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      httpCredentials: { username: "operator", password: gw.adminKey, origin: gw.url },
      viewport: { width: 1360, height: 940 },
      colorScheme: "light",
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on("pageerror", (error) => pageProblems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") pageProblems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on("request", (request) => requestedUrls.push(request.url()));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  }, 30_000);

  beforeEach(async () => {
    gw.east.reset();
    gw.west.reset();
    for (const id of [EAST, WEST]) {
      await gw.admin.resetCircuit({ deploymentId: id });
      await gw.admin.setDeploymentEnabled({ deploymentId: id, enabled: true });
    }
    pageProblems.length = 0;
    await open();
  });

  afterEach(async (context) => {
    const dir = process.env.DASHBOARD_SCREENSHOT_DIR;
    if (dir !== undefined && dir !== "") {
      await page.screenshot({ path: join(dir, `${context.task.name.replace(/\W+/g, "-")}.png`), fullPage: true });
    }
    expect(pageProblems).toEqual([]);
    expect(gw.unexpectedErrors).toEqual([]);
  });

  async function open(): Promise<void> {
    const response = await page.goto(`${gw.url}/`);
    expect(response?.status()).toBe(200);
    await page.locator(`tr[data-deployment-id="${WEST}"]`).waitFor({ timeout: SEEN_WITHIN_MS });
  }

  function row(id: string) {
    return page.locator(`tr[data-deployment-id="${id}"]`);
  }

  async function seen(read: () => Promise<string | null>, expected: string): Promise<void> {
    await expect.poll(read, { timeout: SEEN_WITHIN_MS, interval: 100 }).toBe(expected);
  }

  async function deployment(id: string) {
    const { deployments } = await gw.admin.listDeployments({});
    return deployments.find((listed) => listed.id === id)!;
  }

  it("challenges a visit without credentials, and keeps the key out of URLs and the page", async () => {
    const anonymous = await fetch(`${gw.url}/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="TensorWall", charset="UTF-8"');

    const html = await page.content();
    expect(html).toContain("TensorWall");
    expect(html).not.toContain(gw.adminKey);
    expect(requestedUrls.some((url) => url.includes("/tensorwall.v1.AdminService/ListDeployments"))).toBe(true);
    expect(requestedUrls.filter((url) => url.includes(gw.adminKey))).toEqual([]);
  });

  it("refuses a chat request that another site's form sends with the remembered credentials", async () => {
    // Chromium forgets remembered credentials a server rejects, as it rejects them here; the dashboard
    // page must not poll meanwhile (its 401s would read as page errors). beforeEach signs in again.
    await page.goto("about:blank");
    const elsewhere = await browser.newPage();
    try {
      // To the browser, localhost and 127.0.0.1 are different sites.
      await elsewhere.goto(`${gw.url.replace("127.0.0.1", "localhost")}/healthz`);
      // OpenAI JSON smuggled through a text/plain form, which sends "<name>=<value>".
      await elsewhere.setContent(`
        <form method="POST" action="${gw.url}/v1/chat/completions" enctype="text/plain">
          <input type="hidden" name='{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],"padding":"' value='"}'>
          <button>Send</button>
        </form>`);
      const answered = elsewhere.waitForResponse((response) => response.url() === `${gw.url}/v1/chat/completions`);
      await elsewhere.click("button");
      expect((await answered).status()).toBe(401);
      expect(gw.east.requests.length + gw.west.requests.length).toBe(0);
    } finally {
      await elsewhere.close();
    }
  });

  it("lists both deployments with their region, route and a closed circuit", async () => {
    for (const [id, region] of [[EAST, "eastus"], [WEST, "westeurope"]] as const) {
      await seen(() => row(id).locator('[data-field="circuit"] .circuit').textContent(), "Closed");
      expect(await row(id).locator('[data-field="region"]').textContent()).toBe(region);
      expect(await row(id).locator('[data-field="routes"]').textContent()).toBe("gpt-4o");
    }
    expect(await row(EAST).locator('button[data-action="reset"]').isDisabled()).toBe(true);
  });

  it("shows a deployment's circuit open after failures, and closed again after Reset breaker", async () => {
    const circuit = () => row(EAST).locator('[data-field="circuit"] .circuit').textContent();
    await seen(circuit, "Closed");
    gw.east.behave("*", { kind: "status500" }, { times: Infinity });
    for (let i = 0; i < 3; i++) expect((await gw.post(hello)).headers.get("x-tensorwall-endpoint")).toBe("westeu");
    await seen(circuit, "Open");
    await seen(() => row(EAST).locator('[data-field="counts"]').textContent(), "0 / 3");

    await row(EAST).locator('button[data-action="reset"]').click();
    await seen(circuit, "Closed");
    expect((await deployment(EAST)).circuitState).toBe(CircuitState.CLOSED);
    expect(await page.locator("#toast").textContent()).toBe(`Reset the breaker of ${EAST}: closed.`);
  });

  it("drains a deployment and enables it again", async () => {
    const drained = row(WEST).locator(".drained");
    expect(await drained.isVisible()).toBe(false);
    await row(WEST).locator('button[data-action="toggle"]').click();
    await drained.waitFor({ state: "visible", timeout: SEEN_WITHIN_MS });
    expect((await deployment(WEST)).enabled).toBe(false);
    await seen(() => row(WEST).locator('button[data-action="toggle"]').textContent(), "Enable");

    await row(WEST).locator('button[data-action="toggle"]').click();
    await drained.waitFor({ state: "hidden", timeout: SEEN_WITHIN_MS });
    expect((await deployment(WEST)).enabled).toBe(true);
  });

  it("charts usage per key and per route, with totals in the legend", async () => {
    const client = await gw.admin.createKey({ name: "checkout-service", role: KeyRole.CLIENT });
    for (let i = 0; i < 2; i++) expect((await gw.post(hello)).status).toBe(200);
    expect((await gw.post(hello, { authorization: `Bearer ${client.secret}` })).status).toBe(200);
    const { keys } = await gw.admin.listKeys({});
    const adminName = keys.find((key) => key.role === KeyRole.ADMIN)!.name;

    // Usage is polled less often than deployments; a fresh load asks at once.
    await open();
    await page.locator('[data-metric="requests"]').click();
    const legend = (chart: string, series: string) => page.locator(`#${chart} .legend li[data-series="${series}"] .legend-label`);
    await seen(() => legend("chart-route", "gpt-4o").textContent(), "gpt-4o");
    await seen(() => legend("chart-key", client.key!.id).textContent(), "checkout-service");
    const adminItem = page.locator("#chart-key .legend li", { hasText: adminName });
    expect(Number(await adminItem.locator(".legend-value").textContent())).toBeGreaterThanOrEqual(2);
    expect(await page.locator("#chart-key .bar").count()).toBeGreaterThan(0);
    expect(Number(await page.locator("#tile-requests").textContent())).toBeGreaterThanOrEqual(3);
  });
});
