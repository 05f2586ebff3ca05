// Counts one view of the article: a small POST after the page has loaded, so the
// page itself stays the same for every reader (and cacheable). No cookies.
(function () {
  "use strict";
  var node = document.querySelector("[data-view-beacon]");
  if (!node) return;
  var url = node.getAttribute("data-view-beacon");
  function send() {
    if (navigator.sendBeacon && navigator.sendBeacon(url)) return;
    fetch(url, { method: "POST", credentials: "omit", keepalive: true })
      .catch(function () { /* a lost view is no loss */ });
  }
  if (document.readyState === "complete") send();
  else window.addEventListener("load", send);
})();
