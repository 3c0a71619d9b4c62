/* site.js - progressive enhancement only: every page works without it.
 * Paints each image's blurhash placeholder behind it while it loads. */
(function () {
  "use strict";
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
  function d83(s) { var v = 0; for (var i = 0; i < s.length; i++) v = v * 83 + DIGITS.indexOf(s[i]); return v; }
  function toLin(v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
  function toSrgb(v) { v = Math.max(0, Math.min(1, v));
    return Math.round(v <= 0.0031308 ? v * 12.92 * 255 : (1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255); }
  function signPow(v, e) { return (v < 0 ? -1 : 1) * Math.pow(Math.abs(v), e); }
  function decode(hash, w, h) {
    if (!hash || hash.length < 6) return null;
    var size = d83(hash[0]), ny = Math.floor(size / 9) + 1, nx = (size % 9) + 1;
    if (hash.length !== 4 + 2 * nx * ny) return null;
    var maxv = (d83(hash[1]) + 1) / 166, colors = [];
    var dc = d83(hash.substring(2, 6));
    colors.push([toLin(dc >> 16), toLin((dc >> 8) & 255), toLin(dc & 255)]);
    for (var i = 1; i < nx * ny; i++) {
      var v = d83(hash.substring(4 + i * 2, 6 + i * 2));
      colors.push([signPow((Math.floor(v / 361) - 9) / 9, 2) * maxv,
                   signPow((Math.floor(v / 19) % 19 - 9) / 9, 2) * maxv,
                   signPow((v % 19 - 9) / 9, 2) * maxv]);
    }
    var px = new Uint8ClampedArray(w * h * 4);
    for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) {
      var r = 0, g = 0, b = 0;
      for (var j = 0; j < ny; j++) for (var k = 0; k < nx; k++) {
        var basis = Math.cos(Math.PI * x * k / w) * Math.cos(Math.PI * y * j / h), c = colors[k + j * nx];
        r += c[0] * basis; g += c[1] * basis; b += c[2] * basis;
      }
      var o = 4 * (x + y * w);
      px[o] = toSrgb(r); px[o + 1] = toSrgb(g); px[o + 2] = toSrgb(b); px[o + 3] = 255;
    }
    return px;
  }
  function paint(el) {
    var img = el.querySelector("img");
    if (img && img.complete && img.naturalWidth) return;
    var px = decode(el.getAttribute("data-blurhash"), 32, 32);
    if (!px) { el.style.backgroundColor = el.getAttribute("data-color") || ""; return; }
    var c = document.createElement("canvas"); c.width = 32; c.height = 32;
    var ctx = c.getContext("2d"), data = ctx.createImageData(32, 32);
    data.data.set(px); ctx.putImageData(data, 0, 0);
    el.style.backgroundImage = "url(" + c.toDataURL() + ")";
  }
  /* A generation in progress: ask the API every second, move the bar, and
   * reload once the job is over (without JS a <noscript> refresh does it). */
  function watch(el) {
    var id = el.getAttribute("data-generation"), status = el.getAttribute("data-status");
    if (status !== "queued" && status !== "running") return;
    var stage = document.getElementById("stage"), bar = document.getElementById("progress");
    var started = Date.now(), expected = 4000;
    function tick() {
      fetch("/api/v1/generations/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          var s = d && d.generation ? d.generation.status : status;
          if (s !== "queued" && s !== "running") { window.location.reload(); return; }
          if (s === "running" && status !== "running") { started = Date.now(); }
          status = s;
          if (stage) stage.textContent = s === "queued" ? "Waiting in line\u2026" : "Painting\u2026";
          if (bar && s === "running") {
            bar.max = 100;
            bar.value = Math.min(95, Math.round(100 * (1 - Math.exp(-(Date.now() - started) / expected))));
          }
          setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 700);
  }
  /* A data export being made: ask the API every second, move the bar,
   * reload when it is done or failed. */
  function watchExport(el) {
    var id = el.getAttribute("data-export"), state = el.getAttribute("data-state");
    if (state !== "queued" && state !== "running") return;
    var bar = document.getElementById("export-progress"), stage = document.getElementById("export-stage");
    function tick() {
      fetch("/api/v1/me/export/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          var e = d && d.export;
          if (e && e.state !== "queued" && e.state !== "running") { window.location.reload(); return; }
          if (e && bar) { bar.value = e.progress; }
          if (e && stage) { stage.textContent = "Your archive is being made: " + e.progress + "%."; }
          setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 700);
  }
  /* Like buttons: the form works without JS; with it, PUT/DELETE the like
   * and update the count in place. */
  function csrfOf(form) { var i = form.querySelector("input[name=csrf]"); return i ? i.value : ""; }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form[data-like]") || !csrfOf(form)) return;
    ev.preventDefault();
    var btn = form.querySelector("button"), on = btn.getAttribute("aria-pressed") !== "true";
    fetch("/api/v1/posts/" + form.getAttribute("data-like") + "/like", {
      method: on ? "PUT" : "DELETE", credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfOf(form), Accept: "application/json" }
    }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) {
        btn.setAttribute("aria-pressed", d.liked_by_me ? "true" : "false");
        btn.classList.toggle("liked", !!d.liked_by_me);
        var ic = btn.querySelector(".ic"); if (ic) ic.textContent = d.liked_by_me ? "\u2665" : "\u2661";
        var n = btn.querySelector(".n"); if (n) n.textContent = d.like_count;
        var like = form.querySelector("input[name=like]"); if (like) like.value = d.liked_by_me ? "0" : "1";
      })
      .catch(function () { form.submit(); });
  });
  /* Infinite scroll: when "More" comes into view, fetch the next page and
   * append its cards (the link itself works without JS). */
  function infinite() {
    var grid = document.querySelector("[data-feed]");
    if (!grid || !("IntersectionObserver" in window)) return;
    var busy = false;
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        var link = e.target;
        if (!e.isIntersecting || busy) return;
        busy = true;
        fetch(link.href, { credentials: "same-origin" }).then(function (r) { return r.text(); })
          .then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            var cards = doc.querySelectorAll("[data-feed] > li");
            for (var i = 0; i < cards.length; i++) {
              grid.appendChild(document.adoptNode(cards[i]));
            }
            var more = doc.querySelector("[data-more]");
            io.unobserve(link);
            if (more) { link.href = more.href; io.observe(link); } else { link.parentNode.remove(); }
            var els = grid.querySelectorAll("[data-blurhash]");
            for (var k = 0; k < els.length; k++) if (!els[k].style.backgroundImage) paint(els[k]);
            busy = false;
          }).catch(function () { busy = false; });
      });
    }, { rootMargin: "600px" });
    var m = document.querySelector("[data-more]");
    if (m) io.observe(m);
  }
  document.addEventListener("DOMContentLoaded", function () {
    infinite();
    var els = document.querySelectorAll("[data-blurhash]");
    for (var i = 0; i < els.length; i++) paint(els[i]);
    var g = document.querySelector("[data-generation]");
    if (g) watch(g);
    var x = document.querySelector("[data-export]");
    if (x) watchExport(x);
  });
})();
