// Posts a form marked data-autosubmit at once (the LTI "auto-post" pattern); the
// button stays for browsers without JavaScript.
(function () {
  var form = document.querySelector("form[data-autosubmit]");
  if (form) { form.submit(); }
})();
