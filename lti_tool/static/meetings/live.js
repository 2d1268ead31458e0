// The live check-in screen: every few seconds, fetch the page again and put its new code, QR code and
// count in place (no reload, no framework). Without this script the "Refresh" link does the same.
(function () {
  "use strict";
  var live = document.querySelector("[data-live]");
  if (!live || !window.fetch || !window.DOMParser) { return; }
  var seconds = Number(live.dataset.refreshSeconds) || 5;
  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
        if (fresh) { live.innerHTML = fresh.innerHTML; }
      })
      .catch(function () { /* a weak connection: try again at the next tick */ })
      .then(function () { window.setTimeout(refresh, seconds * 1000); });
  }
  window.setTimeout(refresh, seconds * 1000);
}());
