// 浏览器测试工具 What the console's browser tests share: Debian's Chromium driven headless by
// Playwright (playwright-core, from the npm registry), pages that record every request leaving
// the hub's origin and every script error, the time each page took to be ready, axe-core's
// serious and critical findings (WCAG 2.1 A/AA), screenshots, the sign-in form, and the one JSON
// object each script prints (and writes to RESULT_FILE) for its pytest to read.
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export const env = process.env;
export const BASE = env.HUB_BASE;
export const SHOTS = env.SHOT_DIR;
export const OFFICE = { width: 1366, height: 768 };
export const result = { pages: {}, axe: {}, checks: {}, external: [], consoleErrors: [] };

mkdirSync(SHOTS, { recursive: true });
export const browser = await chromium.launch({
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

export async function newPage(viewport = OFFICE) {
  const context = await browser.newContext({ viewport, locale: "zh-CN", acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(BASE) && !url.startsWith("data:") && !url.startsWith("blob:")) {
      result.external.push(url);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error") result.consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => result.consoleErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

/** Waits until the page says it is ready (or shows an error, which fails the run) and keeps
 *  the milliseconds it took under ``name``. */
export async function ready(page, name) {
  try {
    await page.waitForSelector("body[data-ready=true], #status.error");
  } catch (error) {
    const text = await page.evaluate(() => document.body.innerText.slice(0, 400)).catch(() => "");
    throw new Error(`${name} at ${page.url()} never ready: ${text}`);
  }
  const problem = await page.evaluate(() => document.body.dataset.ready === "true" ? ""
    : document.getElementById("status").textContent);
  if (problem) throw new Error(`${name} at ${page.url()}: ${problem}`);
  const ms = Number(await page.getAttribute("body", "data-ready-ms"));
  result.pages[name] = ms;
  return ms;
}

/** The page once more: the first load also pays for the database planning its queries, a
 *  cost every later visitor is spared; both figures are reported. */
export async function again(page, name) {
  await page.reload();
  return ready(page, `${name}-warm`);
}

/** axe-core's serious and critical findings on the page, kept under ``name``. */
export async function axe(page, name) {
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.evaluate(AXE);
  const found = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  result.axe[name] = found.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join("; ")})`);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** Whether the page scrolls sideways (WCAG 1.4.10 reflow). */
export function sideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

export async function signIn(page, path, username, password) {
  await page.goto(BASE + path);
  await page.waitForSelector("#username");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.press("#password", "Enter"); // the keyboard way
}

/** Runs the script's steps, then prints the result (and writes it to RESULT_FILE). */
export async function run(steps) {
  try {
    await steps();
    result.ok = true;
  } catch (error) {
    result.ok = false;
    result.error = String(error && error.stack ? error.stack : error);
  } finally {
    await browser.close();
  }
  const text = JSON.stringify(result, null, 1);
  if (env.RESULT_FILE) writeFileSync(env.RESULT_FILE, text);
  process.stdout.write(text + "\n");
  process.exit(result.ok ? 0 : 1);
}
