#!/usr/bin/env node
// t0600-moderation.mjs - moderation in a real Chromium: a post is reported;
// the admin opens the queue, writes a reason and clicks "Hide" (no JS
// needed: plain forms); the author reads why on the decision page and sends
// an appeal with the form; the admin overturns it from the queue. Axe checks
// every moderation page (queue, users, a user, audit log, stats, classifier)
// and the author's pages (decisions, settings, export, delete); the export
// page turns into a download link by itself; screenshots of each.
import { a11y, api, apiUpload, apiUser, base, finish, image, launch, ok, shot, watchErrors }
  from "./lib.mjs";

async function login(page, user, password) {
  await page.goto(base + "/login");
  await page.fill("#username", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(base + "/"), page.click("button:has-text('Log in')")]);
}

const stamp = Date.now().toString(36);
const authorName = "mda" + stamp;
const author = await apiUser(authorName);
const reporter = await apiUser("mdr" + stamp);
const post = (await apiUpload(author, image(4242), "a lighthouse the reporter dislikes")).data.post.id;
const rep = await api("POST", "/api/v1/reports",
  { token: reporter, json: { target_type: "post", target_id: post, reason: "spam", note: "looks like an ad" } });
ok(rep.status === 201, "the post is reported");

const browser = await launch();
try {
  const ctxM = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const mod = await ctxM.newPage();
  const errorsM = watchErrors(mod);
  await login(mod, "admin", process.env.IMAGIER_ADMIN_PASSWORD);
  ok(await mod.locator("nav a[href='/admin']").count() === 1, "a moderator's header links to moderation");
  await mod.goto(base + "/admin");
  const item = mod.locator("li.queue-item", { has: mod.locator(`input[value='post:${post}']`) });
  ok(await item.count() === 1, "the reported post is in the queue");
  ok((await item.innerText()).includes("looks like an ad"), "... with the reporter's note");
  await a11y(mod, "queue");
  await shot(mod, "mod-queue");
  await item.locator("input[name=reason]").fill("Advertising is not allowed");
  await Promise.all([mod.waitForURL(base + "/admin"), item.locator("button[value=hide]").click()]);
  const seen = await api("GET", `/api/v1/posts/${post}?v=${Date.now()}`);
  ok(seen.status === 404, "one click hid the post from visitors", seen.status);
  ok(await mod.locator(`input[value='post:${post}']`).count() === 0, "... and took it off the queue");

  for (const [path, name] of [["/admin/users", "users"], [`/admin/users/${authorName}`, "user"],
    ["/admin/audit", "audit"], ["/admin/stats", "stats"], ["/admin/classifier", "classifier"]]) {
    const r = await mod.goto(base + path);
    ok(r.status() === 200, `${path} answers`, r.status());
    await a11y(mod, name);
    await shot(mod, `mod-${name}`);
  }
  await mod.goto(base + "/admin/audit?action=hide");
  ok((await mod.locator("table.data").innerText()).includes("Advertising is not allowed"),
    "the audit log shows the action and its reason");

  // The author reads why and appeals with the form.
  const ctxA = await browser.newContext({ viewport: { width: 420, height: 900 } });
  const pa = await ctxA.newPage();
  const errorsA = watchErrors(pa);
  await login(pa, authorName, "correct horse " + authorName);
  await pa.goto(base + "/notifications");
  const notice = pa.locator("li.notice", { hasText: "Advertising is not allowed" });
  ok(await notice.count() === 1, "the author's notifications say why");
  await Promise.all([pa.waitForURL(/\/moderation\/\d+$/), notice.locator("a[href^='/moderation/']").click()]);
  await a11y(pa, "decision page");
  await pa.fill("#note", "It is my own photo of a lighthouse");
  await Promise.all([pa.waitForURL(/\/moderation\/\d+$/), pa.click("button:has-text('Send appeal')")]);
  ok((await pa.locator("main").innerText()).includes("have not answered yet"), "the appeal is pending");
  await shot(pa, "mod-appeal");

  await mod.goto(base + "/admin");
  const ap = mod.locator("li.notice", { hasText: "It is my own photo of a lighthouse" });
  ok(await ap.count() === 1, "the appeal is in the queue");
  await ap.locator("input[name=reason]").fill("Sorry, our mistake");
  await Promise.all([mod.waitForURL(base + "/admin"), ap.locator("button[value=overturn]").click()]);
  const back = await api("GET", `/api/v1/posts/${post}?v=${Date.now()}`);
  ok(back.status === 200, "overturning brings the post back", back.status);
  await pa.reload();
  ok((await pa.locator("main").innerText()).includes("It was accepted"), "the author sees the appeal accepted");
  // The author's other pages about their data.
  for (const [path, name] of [["/moderation", "decisions"], ["/settings", "settings"],
    ["/settings/export", "export"], ["/settings/delete", "delete"]]) {
    const r = await pa.goto(base + path);
    ok(r.status() === 200, `${path} answers`, r.status());
    await a11y(pa, name);
  }
  await pa.goto(base + "/settings/export");
  await Promise.all([pa.waitForURL(/\/settings\/export\/\d+$/), pa.click("button:has-text('Make my archive')")]);
  await pa.waitForSelector("a[download]", { timeout: 30000 });
  ok(await pa.locator("a[download]").count() >= 1, "the export page updates itself to a download link");
  await a11y(pa, "export ready");
  await shot(pa, "mod-export");
  ok(errorsM.length === 0 && errorsA.length === 0, "no page errors", [...errorsM, ...errorsA].join("\n"));
} finally {
  await browser.close();
}
finish();
