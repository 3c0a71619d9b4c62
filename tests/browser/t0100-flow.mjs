#!/usr/bin/env node
// t0100-flow.mjs - in a real headless Chromium: sign up, upload an image, see
// it on its page and first in the latest feed, with and without JavaScript;
// every page passes an axe accessibility check. Screenshots of each page go
// to tests/browser/screenshots/ (git-ignored) for a person to look at.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const base = process.env.IMAGIER_URL;
const mkimage = process.env.MKIMAGE;
if (!base || !mkimage) {
  console.log("1..0 # SKIP run through make test (IMAGIER_URL, MKIMAGE)");
  process.exit(1);
}
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf8");

let n = 0, failed = 0;
function ok(cond, name, detail) {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${name}`);
  if (!cond) {
    failed++;
    if (detail) console.log(`#   ${String(detail).split("\n").join("\n#   ")}`);
  }
}

async function a11y(page, name) {
  // evaluate() is not subject to the page's CSP, unlike an injected <script>.
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () =>
    await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  ok(bad.length === 0, `${name}: no serious accessibility violations`,
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((x) => x.target).join(", ")})`).join("\n"));
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const work = mkdtempSync(join(tmpdir(), "imagier-browser-"));
  const img = join(work, "upload.png");
  execFileSync(mkimage, ["png", "1400", "900", img, "7"]);
  const user = "pat" + Date.now().toString(36);
  const prompt = `a lighthouse on a cliff at dusk, <b>oil painting</b> ${user}`;

  // --- with JavaScript ---------------------------------------------------
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  let res = await page.goto(base + "/");
  ok(res.status() === 200, "home page answers 200");
  await shot(page, "01-home");
  await a11y(page, "home");

  await page.click("text=Sign up");
  await page.waitForURL("**/signup");
  await shot(page, "02-signup");
  await a11y(page, "signup");
  await page.fill("#username", user);
  await page.fill("#password", "a very good password");
  await Promise.all([page.waitForURL(base + "/"), page.click("button:has-text('Sign up')")]);
  ok((await page.textContent("header")).includes("@" + user), "after sign-up the header shows @name");

  await page.click("text=Upload");
  await page.waitForURL("**/upload");
  await a11y(page, "upload form");
  await page.setInputFiles("#image", img);
  await page.fill("#prompt", prompt);
  await page.fill("#caption", "my first one");
  await page.fill("#tags", "lighthouse, #dusk");
  await shot(page, "03-upload");
  await Promise.all([page.waitForURL(/\/p\/\d+$/), page.click("button:has-text('Publish')")]);
  const postUrl = page.url();
  ok(/\/p\/\d+$/.test(postUrl), "publishing leads to the post page", postUrl);
  await page.waitForFunction(() => {
    const i = document.querySelector(".photo img");
    return i && i.complete && i.naturalWidth > 0;
  }, null, { timeout: 10000 });
  const natural = await page.$eval(".photo img", (i) => i.naturalWidth);
  ok(natural > 0 && natural <= 1280, "the display image loads at display size", natural);
  ok((await page.textContent(".prompt-box")).includes(prompt), "the prompt is shown literally (markup escaped)");
  ok(await page.isVisible(".photo .ai-label"), "the AI-generated label is visible");
  ok((await page.textContent(".tags")).includes("#lighthouse"), "tags are shown");
  ok((await page.textContent(".details .by")).includes("@" + user), "the author is shown");
  await shot(page, "04-post");
  await a11y(page, "post page");

  await page.goto(base + "/");
  const first = await page.textContent(".grid .card:first-child .prompt");
  ok(first === prompt, "the new post is first in the latest feed", first);
  await page.waitForFunction(() => {
    const i = document.querySelector(".grid .card:first-child img");
    return i && i.complete && i.naturalWidth > 0;
  }, null, { timeout: 10000 });
  await shot(page, "05-feed");
  await a11y(page, "feed");

  // Narrow screen: the same page stays usable.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(postUrl);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  ok(!overflow, "the post page does not scroll sideways on a phone-sized screen");
  await shot(page, "06-post-phone");

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(base + "/");
  await Promise.all([page.waitForURL(base + "/"), page.click("button:has-text('Log out')")]);
  ok(await page.isVisible("text=Log in"), "logging out shows the log-in link again");
  ok(errors.length === 0, "no JavaScript errors on any page", errors.join("\n"));
  await ctx.close();

  // --- without JavaScript: the basics still work ---------------------------
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await nojs.newPage();
  await p2.goto(base + "/login");
  await p2.fill("#username", user);
  await p2.fill("#password", "a very good password");
  await Promise.all([p2.waitForURL(base + "/"), p2.click("button:has-text('Log in')")]);
  ok((await p2.textContent("header")).includes("@" + user), "without JavaScript: log in works");
  res = await p2.goto(postUrl);
  ok(res.status() === 200 && (await p2.textContent(".prompt-box")).includes(prompt),
    "without JavaScript: the post page shows the post");
  await shot(p2, "07-post-nojs");
  await nojs.close();
} catch (e) {
  ok(false, "browser flow ran to the end", e.stack || e);
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
