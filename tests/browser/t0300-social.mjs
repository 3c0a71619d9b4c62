#!/usr/bin/env node
// t0300-social.mjs - the social side in a real Chromium, with two people in
// two browser contexts: ann uploads a post; bob likes it from the feed (the
// count changes in place, no reload), comments on the post page (markup shown
// as text), follows ann on her profile; bob's "for you" feed grows as he
// scrolls (infinite scroll, no navigation); ann sees the unread badge and
// reads her notifications, which clears it. Axe checks on the profile, notifications and for
// you pages; screenshots of each step.
import { a11y, api, apiUpload, apiUser, base, finish, image, launch, ok, shot, signup, watchErrors }
  from "./lib.mjs";

const cards = (page) => page.locator("[data-feed] > li.card").count();

const stamp = Date.now().toString(36);
const annName = "soa" + stamp, bobName = "sob" + stamp;
const browser = await launch();
try {
  // ann signs up first: the header's unread count is cached briefly, so the
  // longer ago her last page was, the sooner the badge is fresh.
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const pageA = await ctxA.newPage();
  const errorsA = watchErrors(pageA);
  await signup(pageA, annName, "a very good password");

  // Enough posts by enough people for a full first "for you" page (at most 2
  // per author a page) and a second one.
  const made = await Promise.all(Array.from({ length: 14 }, async (_, i) => {
    const tok = await apiUser(`sof${stamp}${i}`);
    const a = await apiUpload(tok, image(300 + 2 * i), `a field of flowers, number ${2 * i}`);
    const b = await apiUpload(tok, image(301 + 2 * i), `a field of flowers, number ${2 * i + 1}`);
    const code = (r) => r.data && r.data.error && r.data.error.code;
    return [a.status, b.status, code(a), code(b)];
  }));
  ok(made.every(([a, b]) => a === 201 && b === 201), "28 posts by 14 people made through the API",
     JSON.stringify(made.filter(([a, b]) => a !== 201 || b !== 201)));

  await pageA.goto(base + "/upload");
  await pageA.setInputFiles("#image", image(7, 640, 480));
  await pageA.fill("#prompt", `a lighthouse in a storm, ${stamp}`);
  await Promise.all([pageA.waitForURL(/\/p\/\d+$/), pageA.click("button:has-text('Publish')")]);
  const postUrl = pageA.url();
  const postId = postUrl.match(/\/p\/(\d+)$/)[1];
  ok(/^\d+$/.test(postId), "ann uploads a post", postUrl);

  // --- bob likes it from the feed, with JS: no reload --------------------------
  const ctxB = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const pageB = await ctxB.newPage();
  const errorsB = watchErrors(pageB);
  await signup(pageB, bobName, "another good password");
  const card = pageB.locator(`#post-${postId}`);
  ok(await card.count() === 1, "bob sees ann's post in the latest feed");
  const btn = card.locator("form.like button");
  const before = Number(await btn.locator(".n").textContent());
  let navigations = 0;
  pageB.on("framenavigated", (f) => { if (f === pageB.mainFrame()) navigations++; });
  const urlBefore = pageB.url();
  await btn.click();
  await pageB.waitForFunction(
    ([sel, n]) => Number(document.querySelector(sel)?.textContent) === n,
    [`#post-${postId} form.like .n`, before + 1], { timeout: 5000 });
  ok(true, `the like count went from ${before} to ${before + 1} in place`);
  ok(pageB.url() === urlBefore && navigations === 0, "  ... without leaving or reloading the page",
    `${pageB.url()} navigations=${navigations}`);
  ok(await btn.getAttribute("aria-pressed") === "true", "  ... and the button is pressed");
  // The heart is drawn in the button's text: full once liked, as the page
  // without JS draws it.
  const heart = async () => (await btn.textContent()).trim().charAt(0);
  ok(await heart() === "\u2665", "  ... with a full heart", await btn.textContent());
  await shot(pageB, "30-liked-in-feed");
  await pageB.reload();
  ok(Number(await btn.locator(".n").textContent()) === before + 1 &&
    await btn.getAttribute("aria-pressed") === "true", "after a reload the like is still there (saved)");
  ok(await heart() === "\u2665", "  ... the page draws the same full heart", await btn.textContent());
  await btn.click();
  await pageB.waitForFunction(
    ([sel, n]) => Number(document.querySelector(sel)?.textContent) === n,
    [`#post-${postId} form.like .n`, before], { timeout: 5000 });
  ok(await btn.getAttribute("aria-pressed") === "false" && await heart() === "\u2661",
    "unliking in place empties the heart again", await btn.textContent());
  await btn.click();
  await pageB.waitForFunction(
    ([sel, n]) => Number(document.querySelector(sel)?.textContent) === n,
    [`#post-${postId} form.like .n`, before + 1], { timeout: 5000 });
  ok(await heart() === "\u2665", "  ... and liking again fills it", await btn.textContent());

  // --- a comment on the post page ----------------------------------------------------
  const said = `Lovely <b>light</b> ${stamp}`;
  await pageB.goto(postUrl);
  await pageB.fill("#comment-text", said);
  await Promise.all([pageB.waitForURL(/\/p\/\d+#comment-\d+$/), pageB.click("button:has-text('Comment')")]);
  const texts = await pageB.locator(".thread .comment .text").allTextContents();
  ok(texts.includes(said), "bob's comment shows, markup as text", texts.join(" | "));
  ok(await pageB.locator(".thread .comment .text b").count() === 0, "  ... no <b> element was made");
  await shot(pageB, "31-commented");

  // --- follow on the profile --------------------------------------------------------
  await pageB.goto(`${base}/u/${annName}`);
  ok((await pageB.textContent(".counts")).replace(/\s+/g, " ").includes("0 followers"), "ann's profile: 0 followers");
  await a11y(pageB, "profile page");
  await Promise.all([pageB.waitForURL(`${base}/u/${annName}`), pageB.click(".profile button:has-text('Follow')")]);
  ok((await pageB.textContent(".profile button")).includes("Following"), "bob follows ann: the button says Following");
  ok((await pageB.textContent(".counts")).replace(/\s+/g, " ").includes("1 followers"), "  ... and she has 1 follower");
  ok(await pageB.locator(`.profile ~ .feed #post-${postId}`).count() === 1, "  ... her post is in the grid");
  await shot(pageB, "32-profile");

  // --- bob's "for you": more cards as he scrolls ------------------------------------
  await pageB.goto(base + "/foryou");
  const first = await cards(pageB);
  ok(first > 0 && await pageB.locator("[data-more]").count() === 1,
    `"for you" shows ${first} posts and a More link`);
  const reasons = await pageB.locator("[data-feed] .reason").allTextContents();
  ok(reasons.length === first && reasons.every((r) => r.trim().length > 0), "  ... each saying why");
  await a11y(pageB, "for you page");
  await shot(pageB, "33-foryou");
  const fyUrl = pageB.url();
  navigations = 0;
  await pageB.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await pageB.waitForFunction((n) => document.querySelectorAll("[data-feed] > li.card").length > n,
    first, { timeout: 10000 });
  const second = await cards(pageB);
  ok(second > first, `scrolling to the bottom loads more cards (${first} -> ${second})`);
  ok(pageB.url() === fyUrl && navigations === 0, "  ... without navigating", pageB.url());
  const ids = await pageB.locator("[data-feed] > li.card").evaluateAll((els) => els.map((e) => e.id));
  ok(new Set(ids).size === ids.length, "  ... and no post twice");

  // --- ann: the unread badge, then her notifications ---------------------------------
  // (the header's count is cached for up to 15 s: reload until it shows)
  let badge = "", reloads = 0;
  const waitFrom = Date.now();
  for (let i = 0; i < 40 && !badge; i++, reloads++) {
    await pageA.goto(base + "/");
    badge = (await pageA.locator("header .badge").count()) ? await pageA.textContent("header .badge") : "";
    if (!badge) await pageA.waitForTimeout(500);
  }
  ok(Number(badge) >= 3, "ann sees the unread badge in the header", badge);
  console.log(`# the badge showed after ${reloads} reload(s), ${Date.now() - waitFrom} ms`);
  await shot(pageA, "34-badge");
  await Promise.all([pageA.waitForURL("**/notifications"), pageA.click("header a.notif")]);
  const notes = (await pageA.textContent(".notices")).replace(/\s+/g, " ");
  for (const t of ["liked your post", "commented on your post", "followed you"])
    ok(notes.includes(`@${bobName} ${t}`), `  ... "@bob ${t}"`, notes.slice(0, 300));
  ok(notes.includes(said), "  ... with the comment's text", notes.slice(0, 300));
  await a11y(pageA, "notifications page");
  await shot(pageA, "35-notifications");
  ok(await pageA.locator("header .badge").count() === 0, "opening the notifications clears the badge");
  ok(await pageA.locator(".notice.unread").count() >= 3, "  ... while the page still marks what was new");
  await pageA.goto(base + "/");
  ok(await pageA.locator("header .badge").count() === 0, "  ... and the badge stays gone on the next page");
  await pageA.goto(base + "/notifications");
  ok(await pageA.locator(".notice.unread").count() === 0, "  ... where the notices are read now");

  ok(errorsA.length === 0 && errorsB.length === 0, "no JavaScript errors", [...errorsA, ...errorsB].join("\n"));
  await ctxA.close();
  await ctxB.close();
} catch (e) {
  ok(false, "browser flow ran to the end", e.stack || e);
} finally {
  await browser.close();
}
finish();
