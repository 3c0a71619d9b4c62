// lib.mjs - what the browser tests share: TAP output, Chromium, axe, screenshots,
// the JSON API and test pictures.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const base = process.env.IMAGIER_URL;
export const mkimage = process.env.MKIMAGE;
if (!base || !mkimage) {
  console.log("1..0 # run through make test (IMAGIER_URL, MKIMAGE)");
  process.exit(1);
}
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf8");

let n = 0, failed = 0;
export function ok(cond, name, detail) {
  n++;
  console.log(`${cond ? "ok" : "not ok"} ${n} - ${name}`);
  if (!cond) {
    failed++;
    if (detail) console.log(`#   ${String(detail).split("\n").join("\n#   ")}`);
  }
}
export function finish() {
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

// No serious or critical axe violations on the page as it is now.
export async function a11y(page, name) {
  // evaluate() is not subject to the page's CSP, unlike an injected <script>.
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () =>
    await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  ok(bad.length === 0, `${name}: no serious accessibility violations`,
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((x) => x.target).join(", ")})`).join("\n"));
}

export async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// Collect page errors and failed resource loads of a page.
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return errors;
}

export async function signup(page, user, password) {
  await page.goto(base + "/signup");
  await page.fill("#username", user);
  await page.fill("#password", password);
  await Promise.all([page.waitForURL(base + "/"), page.click("button:has-text('Sign up')")]);
}

// A request to the JSON API: {status, data (parsed JSON or null), type}.
// json: a body to send as JSON; raw: a JSON text as is; form: FormData.
export async function api(method, path, { token, json, form, raw, redirect = "follow" } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  if (raw !== undefined) {
    headers["Content-Type"] = "application/json";
    body = raw;
  }
  if (form) body = form;
  const r = await fetch(base + path, { method, headers, body, redirect });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, data, type: r.headers.get("content-type") || "" };
}

// Sign up and log in through the API (password "correct horse NAME"); the token.
export async function apiUser(name) {
  const password = "correct horse " + name;
  await api("POST", "/api/v1/accounts", { json: { username: name, password } });
  const s = await api("POST", "/api/v1/sessions", { json: { username: name, password } });
  return s.data && s.data.token;
}

// Upload a PNG file as a post (extra: more form fields). Uploads sent at
// once beyond the pool's decode slots are told 503 busy: retried, as a
// client should (sooner than Retry-After says: a test's pictures are small).
export async function apiUpload(token, file, prompt, extra = {}) {
  for (let tries = 0; ; tries++) {
    const fd = new FormData();
    fd.append("image", new Blob([readFileSync(file)], { type: "image/png" }), "image.png");
    fd.append("prompt", prompt);
    for (const [k, v] of Object.entries(extra)) fd.append(k, v);
    const r = await api("POST", "/api/v1/posts", { token, form: fd });
    const busy = r.status === 503 && r.data && r.data.error && r.data.error.code === "busy";
    if (!busy || tries >= 100) return r;
    await new Promise((done) => setTimeout(done, 100 + Math.random() * 200));
  }
}

// A test picture (tests/tools/mkimage) in a temporary directory: its path.
let work;
export function image(seed, w = 320, h = 240) {
  work = work || mkdtempSync(join(tmpdir(), "imagier-browser-"));
  const f = join(work, `img-${seed}-${w}x${h}.png`);
  execFileSync(mkimage, ["png", String(w), String(h), f, String(seed)]);
  return f;
}
