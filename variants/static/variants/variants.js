// A reader who chose a Traditional variant and then follows an unprefixed link
// (a search result, a shared link, the address bar) is taken to the same page in
// it. This happens here rather than on the server so that pages never vary by
// cookie. The codes are those of variants/conversion.py.
(function () {
  "use strict";
  var match = document.cookie.match(/(?:^|;\s*)variant=(zh-hant|zh-hk|zh-tw)(?:;|$)/);
  if (!match) return;
  var path = window.location.pathname;
  if (/^\/(zh-hant|zh-hk|zh-tw)(\/|$)/.test(path)) return;
  window.location.replace(
    "/" + match[1] + path + window.location.search + window.location.hash
  );
})();
