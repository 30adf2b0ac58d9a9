// The selling form: show only the fields of the chosen auction type, and send
// times in the browser's own time zone. The form works without this script.
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  function localValue(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function setUp(form) {
    var radios = form.querySelectorAll('input[name="type"]');
    var sections = form.querySelectorAll(".type-specific");
    form.querySelectorAll(".type-hint").forEach(function (hint) { hint.classList.add("d-none"); });

    function chosenType() {
      var checked = form.querySelector('input[name="type"]:checked');
      return checked ? checked.value : "english";
    }

    function showFields() {
      var type = chosenType();
      sections.forEach(function (section) {
        section.hidden = section.dataset.types.split(" ").indexOf(type) === -1;
      });
      form.querySelectorAll(".type-card").forEach(function (card) {
        var radio = card.querySelector('input[name="type"]');
        card.classList.toggle("border-primary", radio.checked);
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", showFields); });
    showFields();

    // A start time the server filled in is UTC; show it in local time.
    var start = form.querySelector('input[data-utc="1"]');
    var offset = form.querySelector('input[name="utc_offset_minutes"]');
    if (start && start.value) {
      var utc = new Date(start.value + ":00Z");
      if (!isNaN(utc)) { start.value = localValue(utc); }
    }
    form.addEventListener("submit", function () {
      if (!offset) { return; }
      // The offset of the chosen day (summer time may differ from today's).
      var when = start && start.value ? new Date(start.value) : new Date();
      offset.value = isNaN(when) ? new Date().getTimezoneOffset() : when.getTimezoneOffset();
    });
  }

  document.querySelectorAll("form.auction-form").forEach(setUp);
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
