#!/usr/bin/env node
// t0500-cw.mjs - content warnings and personal filters in a real Chromium: a
// post with a content warning shows in the feed as its warning over a blurred
// placeholder, the picture not shown (nor loaded) until the person clicks;
// the click reveals it. The filters page (/settings/filters) saves muted
// words and the content-warning choice through its form, and passes axe, as
// does the feed with a blurred card.
import { a11y, apiUpload, apiUser, base, finish, image, launch, ok, shot, signup, watchErrors }
  from "./lib.mjs";

const stamp = Date.now().toString(36);
const makerName = "cwm" + stamp, viewerName = "cwv" + stamp;
const browser = await launch();
try {
  const maker = await apiUser(makerName);
  const up = await apiUpload(maker, image(501), "a thunderstorm over the bay " + stamp,
    { content_warning: "flashing lights" });
  ok(up.status === 201, "a post with a content warning is uploaded", JSON.stringify(up.data));
  const id = up.data.post.id;

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await signup(page, viewerName, "a very good password");
  await page.goto(base + "/");
  const card = page.locator(`#post-${id}`);
  const summary = card.locator("details.cw > summary");
  const img = card.locator("img");
  ok(await summary.isVisible(), "the card shows the warning",
    await card.innerHTML().catch((e) => String(e)));
  ok((await summary.innerText()).includes("Content warning: flashing lights"),
    "... which names it", await summary.innerText());
  ok(!(await img.isVisible()), "... and not the picture");
  ok(await img.evaluate((el) => !el.complete || el.naturalWidth === 0),
    "... which is not even loaded yet");
  await a11y(page, "feed with a blurred card");
  await shot(page, "cw-feed-blurred");

  await summary.click();
  await img.waitFor({ state: "visible" });
  ok(await img.isVisible(), "a click reveals the picture");
  await page.waitForFunction((sel) => {
    const i = document.querySelector(sel);
    return i && i.complete && i.naturalWidth > 0;
  }, `#post-${id} img`);
  ok(true, "... and loads it");
  ok((await img.getAttribute("alt")).startsWith("a thunderstorm"), "... with its alt text");
  ok((await summary.innerText()).includes("Hide image"), "... and the warning offers to hide it again");
  await shot(page, "cw-feed-revealed");

  // The filters page, through its form.
  await page.goto(base + "/settings");
  await Promise.all([page.waitForURL(base + "/settings/filters"),
    page.click("a[href='/settings/filters']")]);
  ok(await page.locator("h1", { hasText: "Your filters" }).isVisible(), "the settings page links to the filters");
  await a11y(page, "/settings/filters");
  await page.fill("#muted_words", "thunderstorm\nspiders");
  await page.check("input[name=content_warnings][value=show]");
  await Promise.all([page.waitForURL(base + "/settings/filters"), page.click("button:has-text('Save')")]);
  ok((await page.inputValue("#muted_words")).includes("thunderstorm"), "the form saves the muted words");
  ok(await page.isChecked("input[name=content_warnings][value=show]"), "... and the choice");
  await shot(page, "cw-filters");
  await page.goto(base + "/");
  ok(await page.locator(`#post-${id}`).count() === 0, "a muted word takes the post out of the feed");
  await page.goto(base + "/settings/filters");
  await page.fill("#muted_words", "");
  await Promise.all([page.waitForURL(base + "/settings/filters"), page.click("button:has-text('Save')")]);
  await page.goto(base + "/");
  ok(await page.locator(`#post-${id} details.cw`).count() === 0 &&
    await page.locator(`#post-${id} img`).isVisible(), "with \"show\", the picture is shown plainly");
  ok(errors.length === 0, "no page errors", errors.join("\n"));
  await ctx.close();
} catch (e) {
  ok(false, "the flow ran to the end", e.stack);
} finally {
  await browser.close();
}
finish();
