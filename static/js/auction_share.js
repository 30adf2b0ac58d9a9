// "Copy link" on the auction page: the Clipboard API where the browser allows
// it (a secure context), else the old selection-and-copy, else a prompt the
// reader can copy from. The button stays hidden without this script.
(function () {
  "use strict";

  function copyBySelection(text) {
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.style.position = "fixed";
    field.style.opacity = "0";
    document.body.appendChild(field);
    field.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    document.body.removeChild(field);
    return copied;
  }

  function announce(button, text) {
    var status = button.parentElement.querySelector("[data-copy-status]");
    if (status) { status.textContent = text; }
    if (!button.hasAttribute("data-label")) { button.setAttribute("data-label", button.textContent); }
    var label = button.getAttribute("data-label");
    button.textContent = text;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  document.querySelectorAll("[data-copy-link]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var link = button.getAttribute("data-copy-link");
      var done = function () { announce(button, button.getAttribute("data-copied-text")); };
      var fallback = function () {
        if (copyBySelection(link)) { done(); return; }
        window.prompt(button.getAttribute("data-copy-prompt"), link);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(link).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
