// Auction pages: live countdowns, and keeping what a bidder typed when the
// page's live part is refreshed under them. Without this script the pages show
// the time left as text and still work.
(function () {
  "use strict";

  var lang = document.documentElement.lang || undefined;
  var dayFormat = null;
  try {
    dayFormat = new Intl.NumberFormat(lang, { style: "unit", unit: "day", unitDisplay: "long" });
  } catch (e) { /* an old browser: plain "2d" below */ }

  // The server's clock decides when an auction ends; this is how far the
  // browser's clock is from it (refreshed with every live panel).
  var skewMs = 0;

  function readSkew() {
    var panel = document.querySelector("[data-server-now]");
    if (panel) {
      skewMs = Number(panel.getAttribute("data-server-now")) * 1000 - Date.now();
    }
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  function format(ms) {
    var s = Math.floor(ms / 1000);
    var days = Math.floor(s / 86400);
    s -= days * 86400;
    var h = Math.floor(s / 3600);
    s -= h * 3600;
    var m = Math.floor(s / 60);
    s -= m * 60;
    var clock = pad(h) + ":" + pad(m) + ":" + pad(s);
    if (days > 0) {
      return (dayFormat ? dayFormat.format(days) : days + "d") + " " + clock;
    }
    return clock;
  }

  function refreshLivePanel() {
    var panel = document.getElementById("auction-live");
    if (panel && window.htmx && panel.hasAttribute("hx-get")) {
      window.htmx.trigger(panel, "auction-refresh");
    }
  }

  function tick() {
    var now = Date.now() + skewMs;
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = Number(el.getAttribute("data-countdown")) * 1000;
      if (!end) { return; }
      var left = end - now;
      if (left > 0) {
        el.textContent = format(left);
        return;
      }
      el.textContent = el.getAttribute("data-ended-text") || "";
      // Ask for the new state at once rather than at the next poll.
      if (!el.hasAttribute("data-fired")) {
        el.setAttribute("data-fired", "1");
        refreshLivePanel();
      }
    });
  }

  // Times in the reader's own time zone (the server writes UTC).
  var timeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  } catch (e) { /* keep the server's text */ }

  function localTimes(root) {
    if (!timeFormat) { return; }
    root.querySelectorAll("time[data-local-time]").forEach(function (el) {
      var seconds = Number(el.getAttribute("data-local-time"));
      if (seconds) {
        el.textContent = timeFormat.format(new Date(seconds * 1000));
        el.removeAttribute("data-local-time");
      }
    });
  }

  // Typed values survive a live refresh of the bid area (someone else's bid
  // re-renders it); the bidder's own submit starts afresh.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.name && input.closest && input.closest("#bid-area")) {
      input.setAttribute("data-dirty", "1");
    }
  });

  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest("#bid-area")) {
      document.querySelectorAll("#bid-area [data-dirty]").forEach(function (input) {
        input.removeAttribute("data-dirty");
      });
    }
  }, true);

  var refocus = null;

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "bid-area") { return; }
    var fragment = event.detail.fragment;
    target.querySelectorAll("input[data-dirty]").forEach(function (input) {
      // By id first: the phone's bid bar has a second "amount" field.
      var twin = (input.id && fragment.querySelector("#" + input.id)) ||
        fragment.querySelector('input[name="' + input.name + '"]');
      if (twin) {
        twin.value = input.value;
        twin.setAttribute("value", input.value);
        twin.setAttribute("data-dirty", "1");
      }
    });
    target.querySelectorAll("details[id]").forEach(function (details) {
      var twin = fragment.querySelector("#" + details.id);
      if (twin && details.open) { twin.setAttribute("open", ""); }
    });
    var active = document.activeElement;
    refocus = active && target.contains(active) && active.name ? active : null;
  });

  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!refocus) { return; }
    var input = (refocus.id && document.getElementById(refocus.id)) ||
      document.querySelector('#bid-area input[name="' + refocus.name + '"]');
    refocus = null;
    if (input) {
      input.focus();
      var length = String(input.value).length;
      try { input.setSelectionRange(length, length); } catch (e) { /* number inputs */ }
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    readSkew();
    localTimes(document);
    tick();  // a swapped-in panel shows the server's text until the next tick
  });
  readSkew();
  localTimes(document);
  tick();
  window.setInterval(tick, 1000);
})();
