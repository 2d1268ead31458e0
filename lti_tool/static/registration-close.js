// LTI Dynamic Registration 1.0 §3.6: tell the platform the tool is done.
(function () {
  function close() {
    var target = window.opener || window.parent;
    if (target && target !== window) {
      target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
    }
  }
  close();
  var button = document.querySelector("[data-close-registration]");
  if (button) { button.addEventListener("click", close); }
})();
