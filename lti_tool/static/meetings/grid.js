// The roster grid, enhanced: a tap on a status saves it without leaving the page (the row and the counts
// are taken from the page the server answers with). Without this script each tap posts the form.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.FormData) { return; }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-mark]") || !event.submitter || form.dataset.plain) { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.append(event.submitter.name, event.submitter.value);
    var row = form.closest("li");
    var submitter = event.submitter;
    function plain() { form.dataset.plain = "1"; form.requestSubmit(submitter); }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text().then(function (html) { return [response, html]; }); })
      .then(function (pair) {
        var page = new DOMParser().parseFromString(pair[1], "text/html");
        var freshRow = page.getElementById(row.id);
        var counts = page.getElementById("counts");
        if (!pair[0].ok || !freshRow) { plain(); return; }  // let the server's page say what went wrong
        row.replaceWith(freshRow);
        if (counts) { document.getElementById("counts").replaceWith(counts); }
        var again = document.getElementById(row.id).querySelector('button[value="' + submitter.value + '"]');
        if (again) { again.focus(); }
      })
      .catch(plain);
  });
}());
