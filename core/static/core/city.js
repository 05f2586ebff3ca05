// The page is the same for every reader, with the default city in its header.
// A reader who chose another city gets that city's header from a small cached
// fragment, so pages never vary by cookie.
(function () {
  "use strict";
  var match = document.cookie.match(/(?:^|;\s*)city=([a-z0-9-]+)/);
  var widget = document.getElementById("city-widget");
  if (!match || !widget) return;
  var shown = widget.querySelector("[data-city]");
  if (shown && shown.getAttribute("data-city") === match[1]) return;
  var url = widget.getAttribute("data-widget-url").replace("CITY", match[1]);
  fetch(url, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.text() : null; })
    .then(function (html) { if (html) widget.innerHTML = html; })
    .catch(function () { /* keep the default city */ });
})();
