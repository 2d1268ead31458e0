// Coaching task page, for learners on weak connections: say at once when chosen
// files are too large or too many (before minutes of upload end in a refusal),
// and send a hand-in only once. The server checks everything again; without
// this script the form works the same.
(function () {
  "use strict";
  function check(input) {
    var max = Number(input.dataset.maxBytes);
    var serverMax = Number(input.dataset.serverMaxBytes);
    var total = 0;
    var message = "";
    if (input.files.length > Number(input.dataset.maxFiles)) {
      message = input.dataset.tooMany;
    }
    for (var i = 0; i < input.files.length && !message; i++) {
      total += input.files[i].size;
      if (input.files[i].size > max) {
        message = input.dataset.tooLarge.replace("{name}", input.files[i].name);
      }
    }
    if (!message && total > serverMax) {
      message = input.dataset.tooMuch;
    }
    input.setCustomValidity(message);
    if (message) {
      input.reportValidity();
    }
  }
  // One tap sends the work once: a second tap while a slow upload runs would send it again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-submit-once")) {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
      }, 0);
    }
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-max-bytes]")) {
      check(input);
    }
  });
})();
