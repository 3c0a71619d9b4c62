#!/usr/bin/env node
// t0100-flow.mjs - in a real headless Chromium: sign up, upload an image, see
// it on its page and first in the latest feed, with and without JavaScript;
// every page passes an axe accessibility check. Screenshots of each page go
// to tests/browser/screenshots/ (git-ignored) for a person to look at.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { a11y, base, finish, launch, mkimage, ok, shot, watchErrors } from "./lib.mjs";

const browser = await launch();
try {
  const work = mkdtempSync(join(tmpdir(), "imagier-browser-"));
  const img = join(work, "upload.png");
  execFileSync(mkimage, ["png", "1400", "900", img, "7"]);
  const user = "pat" + Date.now().toString(36);
  const prompt = `a lighthouse on a cliff at dusk, <b>oil painting</b> ${user}`;

  // --- with JavaScript ---------------------------------------------------
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = watchErrors(page);

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
  ok(!(await page.isVisible(".photo .ai-label")) && (await page.textContent(".photo")).includes("AI-generated"),
    "the label is in the picture's pixels, not an HTML badge over them; screen readers get the text");
  const shown = await page.$eval(".photo img", (i) => i.currentSrc);
  const full = await page.$eval(".size a", (a) => a.href);
  ok(shown !== full, "the picture shown is a labelled display size, not the original", shown);
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
  const card = await page.$eval(".grid .card:first-child img", (i) => [i.naturalWidth, i.naturalHeight]);
  ok(card[0] === card[1], "the feed card shows a square file (the label is not cropped away)", card);
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
finish();
