#!/usr/bin/env node
// t0200-create.mjs - the creative loop in a real Chromium: type a prompt on
// /create, watch the job page update by itself until the image is there,
// publish it, press Remix on the post, change the prompt, generate and
// publish the remix, and see "remix of" and the family tree with the diff.
import { a11y, base, finish, launch, ok, shot, signup, watchErrors } from "./lib.mjs";

const browser = await launch();
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  const user = "cre" + Date.now().toString(36);
  await signup(page, user, "a very good password");

  await page.click("header >> text=Create");
  await page.waitForURL("**/create");
  await a11y(page, "create form");
  await page.fill("#prompt", "a purple night sky over snowy mountains with stars");
  await page.selectOption("#size", "512x512");
  await page.fill("#seed", "1234");
  await shot(page, "10-create");
  await Promise.all([page.waitForURL(/\/g\/\d+$/), page.click("button:has-text('Generate')")]);
  const jobUrl = page.url();
  ok(/\/g\/\d+$/.test(jobUrl), "Generate leads to the job page", jobUrl);
  // The page updates by itself (JS polling), without us reloading it.
  await page.waitForSelector("text=Your image is ready", { timeout: 30000 });
  ok(true, "the job page turned into the result by itself");
  await page.waitForFunction(() => {
    const i = document.querySelector(".photo img");
    return i && i.complete && i.naturalWidth > 0;
  }, null, { timeout: 10000 });
  ok((await page.textContent(".gendata")).includes("1234"), "the result shows the seed");
  await a11y(page, "result page");
  await shot(page, "11-result");
  await page.fill("#caption", "mountains at night");
  await page.fill("#tags", "night, mountains");
  await Promise.all([page.waitForURL(/\/p\/\d+$/), page.click("button:has-text('Publish')")]);
  const parentUrl = page.url();
  ok((await page.textContent(".gendata")).includes("procedural"), "the post shows the generator");
  await shot(page, "12-post");

  await Promise.all([page.waitForURL(/\/p\/\d+\/remix$/), page.click(".actions >> text=Remix")]);
  ok((await page.inputValue("#prompt")).includes("purple night sky"), "the remix form is prefilled with the parent's prompt");
  ok((await page.inputValue("#seed")) === "1234", "  ... and its seed");
  await a11y(page, "remix form");
  await page.fill("#prompt", "a golden night sky over snowy mountains with stars");
  await Promise.all([page.waitForURL(/\/g\/\d+$/), page.click("button:has-text('Generate')")]);
  await page.waitForSelector("text=Your image is ready", { timeout: 30000 });
  await Promise.all([page.waitForURL(/\/p\/\d+$/), page.click("button:has-text('Publish')")]);
  const remixOf = await page.textContent(".remix-of");
  ok(remixOf.includes("Remix of") && remixOf.includes("@" + user), "the remix says whose post it remixes", remixOf);
  await shot(page, "13-remix");

  await page.goto(parentUrl);
  ok((await page.textContent(".actions")).includes("1 remix"), "the parent shows its remix count");
  await Promise.all([page.waitForURL(/\/lineage$/), page.click("text=Family tree")]);
  ok((await page.textContent(".tree ins")).includes("golden"), "the family tree shows the added word");
  ok((await page.textContent(".tree del")).includes("purple"), "  ... and the removed one");
  await a11y(page, "family tree");
  await shot(page, "14-lineage");
  ok(errors.length === 0, "no JavaScript errors on any page", errors.join("\n"));
  await ctx.close();

  // Without JavaScript the job page refreshes itself (<noscript> meta refresh).
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await nojs.newPage();
  await p2.goto(base + "/login");
  await p2.fill("#username", user);
  await p2.fill("#password", "a very good password");
  await Promise.all([p2.waitForURL(base + "/"), p2.click("button:has-text('Log in')")]);
  await p2.goto(base + "/create");
  await p2.fill("#prompt", "a teal sea at dawn");
  await p2.selectOption("#size", "512x512");
  await Promise.all([p2.waitForURL(/\/g\/\d+$/), p2.click("button:has-text('Generate')")]);
  await p2.waitForSelector("text=Your image is ready", { timeout: 30000 });
  ok(true, "without JavaScript the job page also reaches the result");
  await nojs.close();
} catch (e) {
  ok(false, "browser flow ran to the end", e.stack || e);
} finally {
  await browser.close();
}
finish();
