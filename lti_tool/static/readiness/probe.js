// Padu readiness probe: measures connection and device, posts the result as JSON.
// Input comes from #probe's data-* (URLs with the session, the domain's plan, messages):
// no inline script. Without JS the buttons stay hidden (their room is kept, so the
// page does not shift when they appear); the self-report form works.
(function () {
  "use strict";
  var box = document.getElementById("probe");
  if (!box || !window.fetch || !window.AbortController || !window.URL) { return; }
  var d = box.dataset, plan = JSON.parse(d.plan);
  var byId = function (id) { return document.getElementById(id); };
  var status = byId("probe-status"), runButton = byId("probe-run"), mediaButton = byId("probe-media");
  var meta = function (n) { var el = document.querySelector("meta[name=" + n + "]"); return el ? el.content : ""; };
  var headers = { "X-CSRFToken": meta("csrf-token"), "X-Padu-Session": meta("padu-session") };
  var now = function () { return performance.now(); };
  var say = function (key, extra) { status.textContent = (d["msg" + key] || key) + (extra ? " " + extra : ""); };
  var media = { has_camera: null, has_microphone: null, camera_permission: null, microphone_permission: null };
  var measured = null;

  function withParam(url, name, value) { var u = new URL(url, location.href); u.searchParams.set(name, value); return u.href; }

  // A deadline on every request: a weak connection must not hang the page.
  function timedFetch(url, options, timeoutMs) {
    var ctrl = new AbortController(), timer = setTimeout(function () { ctrl.abort(); }, Math.max(500, timeoutMs));
    var opts = Object.assign({ cache: "no-store", credentials: "same-origin", signal: ctrl.signal }, options);
    opts.headers = Object.assign({}, headers, opts.headers);
    return fetch(url, opts).finally(function () { clearTimeout(timer); });
  }

  // Median round trip, and jitter as the mean absolute difference of consecutive samples.
  async function ping() {
    var samples = [];
    for (var i = 0; i < plan.latency.count; i++) {
      var t0 = now();
      try {
        var r = await timedFetch(withParam(d.ping, "n", i), {}, plan.latency.timeout_ms);
        await r.arrayBuffer();
        if (r.ok) { samples.push(now() - t0); }
      } catch (e) { /* a lost sample is skipped */ }
    }
    var s = samples.slice().sort(function (a, b) { return a - b; }), m = s.length >> 1, diffs = 0;
    for (var j = 1; j < samples.length; j++) { diffs += Math.abs(samples[j] - samples[j - 1]); }
    return {
      latency_ms: !s.length ? null : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2,
      jitter_ms: samples.length > 1 ? diffs / (samples.length - 1) : null, samples: samples.length
    };
  }

  // Bytes count as they arrive (a cut download still measures); time runs from the headers.
  async function downloadOne(size, deadline) {
    var r = await timedFetch(withParam(d.payload, "bytes", size), {}, deadline - now() + 3000);
    if (!r.ok) { throw new Error(r.status); }
    var start = now(), got = 0;
    if (!r.body || !r.body.getReader) { got = (await r.arrayBuffer()).byteLength; } else {
      var reader = r.body.getReader();
      for (;;) {
        var part = await reader.read();
        if (part.done) { break; }
        got += part.value.byteLength;
        if (now() > deadline) { reader.cancel(); break; }
      }
    }
    return [got, Math.max(1, now() - start)];
  }

  async function uploadOne(size, deadline) {
    var body = new Uint8Array(size);  // random: incompressible
    for (var i = 0; i < size; i += 65536) { crypto.getRandomValues(body.subarray(i, Math.min(size, i + 65536))); }
    var t0 = now();
    var r = await timedFetch(d.upload, { method: "POST", body: body }, deadline - t0 + 3000);
    if (!r.ok) { throw new Error(r.status); }
    await r.arrayBuffer();
    return [size, Math.max(1, now() - t0)];
  }

  // The plan's sizes until the list, byte cap or time budget ends; bits over time,
  // without the first transfer (TCP slow start) when others exist.
  async function transfer(part, one, label) {
    var deadline = now() + part.time_budget_ms, done = [], total = 0;
    for (var i = 0; i < part.sizes.length && now() < deadline; i++) {
      if (total + part.sizes[i] > part.total_cap_bytes) { break; }
      say(label, Math.round(total / 1024) + " KB");
      try { done.push(await one(part.sizes[i], deadline)); } catch (e) { break; }
      total += done[done.length - 1][0];
    }
    var bits = 0, ms = 0;
    (done.length > 1 ? done.slice(1) : done).forEach(function (x) { bits += x[0] * 8; ms += x[1]; });
    return ms > 0 && bits > 0 ? bits / ms : null;
  }

  // Device kinds show without permission; reading permission states never asks.
  async function listMedia() {
    var md = navigator.mediaDevices;
    if (!md || !md.enumerateDevices) { return (media.camera_permission = media.microphone_permission = "unsupported"); }
    try {
      var list = await md.enumerateDevices();
      media.has_camera = list.some(function (x) { return x.kind === "videoinput"; });
      media.has_microphone = list.some(function (x) { return x.kind === "audioinput"; });
    } catch (e) { /* unknown: null */ }
    if (!navigator.permissions) { return; }
    for (var name of ["camera", "microphone"]) {
      try { media[name + "_permission"] = (await navigator.permissions.query({ name: name })).state; } catch (e) { /* unknown */ }
    }
  }

  function round1(x) { return x === null ? null : Math.round(x * 10) / 10; }

  async function post() {
    var s = window.screen || {}, m = measured, result = Object.assign({
      download_kbps: round1(m.download_kbps), upload_kbps: round1(m.upload_kbps), latency_ms: round1(m.latency_ms),
      jitter_ms: round1(m.jitter_ms), samples: m.samples, user_agent: String(navigator.userAgent).slice(0, 300),
      screen_width: Math.max(1, Math.round(s.width || innerWidth)), screen_height: Math.max(1, Math.round(s.height || innerHeight))
    }, media);
    var r = await timedFetch(d.result, { method: "POST", body: JSON.stringify(result),
      headers: { "Content-Type": "application/json", "Accept": "application/json" } }, 20000);
    var answer = await r.json();
    if (!r.ok) { throw new Error(r.status); }
    // The new result replaces the last one shown, and stays until the next run.
    byId("probe-summary").textContent = answer.summary || "";
    if (byId("probe-last")) { byId("probe-last").hidden = true; }
    runButton.textContent = d.msgAgain;
    d.state = "saved";
  }

  async function run() {
    runButton.disabled = true;
    d.state = "running";
    try {
      await listMedia();
      say("Ping");
      var p = await ping();
      p.download_kbps = await transfer(plan.download, downloadOne, "Download");
      p.upload_kbps = await transfer(plan.upload, uploadOne, "Upload");
      measured = p;
      say("Saving");
      await post();
      say("Done");
    } catch (e) {
      d.state = "failed";
      say("Failed");
    } finally {
      runButton.disabled = false;
    }
  }

  // Permission is asked only on this button; the devices are released at once.
  async function checkMedia() {
    var md = navigator.mediaDevices;
    if (!md || !md.getUserMedia) { return say("MediaUnsupported"); }
    mediaButton.disabled = true;
    try {
      var stream = await md.getUserMedia({ audio: true, video: true });
      media.has_camera = stream.getVideoTracks().length > 0;
      media.has_microphone = stream.getAudioTracks().length > 0;
      stream.getTracks().forEach(function (t) { t.stop(); });
      media.camera_permission = media.microphone_permission = "granted";
      say("MediaOk");
    } catch (e) {
      await listMedia();
      if (e.name === "NotAllowedError") {
        media.camera_permission = media.microphone_permission = "denied";
        say("MediaDenied");
      } else { say("MediaMissing"); }
    } finally {
      mediaButton.disabled = false;
    }
    if (measured) { try { await post(); } catch (e) { say("Failed"); } }
  }

  runButton.addEventListener("click", run);
  mediaButton.addEventListener("click", checkMedia);
  box.querySelectorAll(".js-only").forEach(function (el) { el.classList.remove("js-only"); });
})();
