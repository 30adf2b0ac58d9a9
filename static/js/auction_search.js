// The search on `/`. htmx sends the form on every change and pushes the URL;
// this keeps those URLs short and puts the form back in step with the URL when
// the back button restores an earlier page. Without JavaScript the form is a
// plain GET form.
(function () {
  "use strict";

  if (!window.htmx) { return; }
  // A page missing from htmx's history cache is loaded whole, not swapped.
  window.htmx.config.refreshOnHistoryMiss = true;

  function searchForm() { return document.getElementById("search-form"); }

  // Empty fields say nothing: leave them out of the URL. A search that would
  // not change the URL (the text box losing focus after its own search) is not
  // sent, so it adds no step to the back button.
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt !== searchForm()) { return; }
    var formData = event.detail.formData;
    Array.from(formData.keys()).forEach(function (name) {
      if (formData.getAll(name).every(function (value) { return value === ""; })) {
        formData.delete(name);
      }
    });
    var wanted = new URLSearchParams(formData).toString();
    var current = new URLSearchParams(window.location.search).toString();
    if (wanted === current) { event.preventDefault(); }
  });

  // A history snapshot holds the form as it was first drawn; the URL holds
  // what was searched.
  function fillFromUrl() {
    var form = searchForm();
    if (!form) { return; }
    var params = new URLSearchParams(window.location.search);
    Array.from(form.elements).forEach(function (field) {
      if (!field.name) { return; }
      var value = params.get(field.name);
      if (field.type === "checkbox") {
        field.checked = value !== null && value !== "" && value !== "false";
      } else if (field.tagName === "SELECT" || field.tagName === "INPUT") {
        field.value = value === null ? "" : value;
        if (field.tagName === "SELECT" && field.selectedIndex < 0) { field.selectedIndex = 0; }
      }
    });
  }

  document.body.addEventListener("htmx:historyRestore", fillFromUrl);
})();
