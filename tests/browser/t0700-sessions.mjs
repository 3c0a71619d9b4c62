#!/usr/bin/env node
// t0700-sessions.mjs - password and sessions in a real Chromium: /settings
// leads to the sessions page, which lists this browser (marked) and an API
// token; "Log out everywhere else" ends the token at once; the password form
// shows a wrong current password again with its reason, then changes it;
// "Log out" on this session logs the browser out. Both pages pass axe.
import { a11y, api, base, finish, launch, ok, shot, signup, watchErrors }
  from "./lib.mjs";

const stamp = Date.now().toString(36);
const name = "ses" + stamp, password = "a very good password " + stamp;
const browser = await launch();
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await signup(page, name, password);
  const login = await api("POST", "/api/v1/sessions", { json: { username: name, password } });
  const token = login.data && login.data.token;
  ok(login.status === 200 && token, "a second session through the API", JSON.stringify(login.data));

  await page.goto(base + "/settings");
  await Promise.all([page.waitForURL(base + "/settings/sessions"),
    page.click("a[href='/settings/sessions']")]);
  const items = page.locator(".session-list li");
  ok(await items.count() === 2, "the sessions page lists both sessions", await items.count());
  const mine = page.locator(".session-list li.current");
  ok(await mine.count() === 1 && (await mine.innerText()).includes("this session"),
    "... this browser's marked as this session");
  ok((await mine.innerText()).includes("Headless Chrome on Linux") ||
    (await mine.innerText()).includes("Chrome"), "... named by its browser", await mine.innerText());
  ok((await page.locator(".session-list").innerText()).includes("API token"),
    "... and the other one says it is an API token");
  await a11y(page, "/settings/sessions");
  await shot(page, "sessions");

  await Promise.all([page.waitForURL(/\/settings\/sessions\?ended=1$/),
    page.click("button:has-text('Log out everywhere else')")]);
  ok((await page.locator("[role=status]").innerText()).includes("1 other session was logged out"),
    "Log out everywhere else says what it did");
  ok(await items.count() === 1, "... one session is left");
  ok((await api("GET", "/api/v1/me", { token })).status === 401, "... and the API token is logged out");

  // A second token, to see the password change end it.
  const again = await api("POST", "/api/v1/sessions", { json: { username: name, password } });
  await page.goto(base + "/settings/password");
  await a11y(page, "/settings/password");
  await page.fill("#current_password", "not my password at all");
  await page.fill("#new_password", "a new good password " + stamp);
  await page.fill("#new_password2", "a new good password " + stamp);
  await page.click("button:has-text('Change password')");
  await page.waitForSelector("[role=alert]");
  ok((await page.locator("[role=alert]").innerText()).includes("not your current password"),
    "a wrong current password shows the form again with the reason");
  ok(await page.locator("#current_password").isVisible(), "... the form is there");
  ok(await page.inputValue("#new_password") === "", "... without the passwords typed");
  await page.fill("#current_password", password);
  await page.fill("#new_password", "a new good password " + stamp);
  await page.fill("#new_password2", "a new good password " + stamp);
  await Promise.all([page.waitForURL(/\/settings\/password\?ended=1$/),
    page.click("button:has-text('Change password')")]);
  ok((await page.locator("[role=status]").innerText()).includes("Your password was changed"),
    "the password is changed, and the page says so");
  ok((await api("GET", "/api/v1/me", { token: again.data.token })).status === 401,
    "... the other session is logged out");
  await shot(page, "password-changed");

  await page.goto(base + "/settings/sessions");
  await Promise.all([page.waitForURL(base + "/"),
    page.click(".session-list li.current button:has-text('Log out')")]);
  await page.goto(base + "/settings/sessions");
  ok(page.url().startsWith(base + "/login"), "Log out on this session logs the browser out", page.url());
  // The wrong password's answer is a 403 page, which Chromium reports once.
  const unexpected = errors.filter((e) => !/status of 403/.test(e));
  ok(unexpected.length === 0 && errors.length <= 1,
    "no page errors (but the one 403 of the wrong password)", errors.join("\n"));
} catch (e) {
  ok(false, "the sessions flow ran", e.stack);
} finally {
  await browser.close();
}
finish();
