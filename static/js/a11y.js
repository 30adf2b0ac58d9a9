// Site-wide accessibility helpers (every page loads this; it does nothing where
// its elements are missing).
//
// 1. Price updates are spoken. The auction page's price panel is replaced as a
//    whole by htmx, and a live region that is itself replaced is not reliably
//    read out; so the new price goes into #live-announcer, a polite live region
//    that stays in the page (base.html). Only a changed price or bid count is
//    announced, never the same text twice.
// 2. The phone's bid bar (auctions/includes/bid_bar.html) steps aside while the
//    full bid forms are on screen, so the same controls are not shown twice and
//    the bar never covers them.
(function () {
  "use strict";

  var announcer = document.getElementById("live-announcer");
  var lastPrice = null;

  function text(root, testid) {
    var el = root.querySelector('[data-testid="' + testid + '"]');
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function priceSummary() {
    var panel = document.getElementById("auction-live");
    if (!panel) { return null; }
    var parts = [text(panel, "price-label"), text(panel, "auction-price")];
    var bids = text(panel, "bid-count");
    return parts.join(" ").trim() + (bids ? ". " + bids : "") + ".";
  }

  function announcePrice() {
    var summary = priceSummary();
    if (summary === null || summary === lastPrice) { return; }
    var first = lastPrice === null;
    lastPrice = summary;
    if (!first && announcer) {
      // Emptied first so that a screen reader notices the change even when
      // the previous announcement is still queued.
      announcer.textContent = "";
      window.setTimeout(function () { announcer.textContent = summary; }, 50);
    }
  }

  var observer = null;
  var visible = new Set();

  function watchBidArea() {
    if (!("IntersectionObserver" in window)) { return; }
    if (observer) { observer.disconnect(); }
    visible.clear();
    var bar = document.querySelector(".bid-bar");
    if (!bar) {
      document.body.classList.remove("bid-bar-off");
      return;
    }
    var targets = Array.prototype.slice.call(
      document.querySelectorAll("#bid-area > :not(.bid-bar)")
    );
    // The bar's own height is left out of the viewport: a form hidden behind
    // it is not "in view".
    var margin = "0px 0px -" + Math.ceil(bar.getBoundingClientRect().height || 80) + "px 0px";
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { visible.add(entry.target); } else { visible.delete(entry.target); }
      });
      document.body.classList.toggle("bid-bar-off", visible.size > 0);
    }, { rootMargin: margin });
    targets.forEach(function (target) { observer.observe(target); });
  }

  document.addEventListener("htmx:afterSettle", function () {
    announcePrice();
    watchBidArea();
  });
  announcePrice();
  watchBidArea();
})();
