// When the launch did not say where Padu is shown, the "back to the course" link is
// rendered; inside the LMS's frame the LMS's own page is the way back, so hide it.
(function () {
  "use strict";
  if (window.top === window.self) { return; }
  document.querySelectorAll("[data-unless-framed]").forEach(function (el) { el.hidden = true; });
})();
