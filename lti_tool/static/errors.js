// After a failed POST the page opens on its error summary: focus moves there, so a
// screen reader reads it and a phone shows it. A summary link to a group of
// choices (a fieldset) focuses the group's first field, as a link to a field does.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    if (!field) { return; }
    event.preventDefault();
    target.scrollIntoView();
    field.focus();
  });
})();
