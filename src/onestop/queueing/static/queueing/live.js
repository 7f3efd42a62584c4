/* Announce what changed in an htmx-refreshed region, once. The polled region is swapped every few
   seconds; putting aria-live on it would make screen readers repeat it on every swap. Instead the
   region carries data-announce (the sentence) and data-announce-key (what identifies it), and this
   script copies the sentence into a separate, stable live region only when the key changes. */
(function () {
  "use strict";
  var lastKey = {};

  function announce(root) {
    var region = root.matches && root.matches("[data-announce-into]") ? root : root.querySelector("[data-announce-into]");
    if (!region) { return; }
    var into = region.getAttribute("data-announce-into");
    var key = region.getAttribute("data-announce-key") || "";
    var first = !(into in lastKey);
    if (!first && lastKey[into] !== key) {
      var target = document.getElementById(into);
      var text = region.getAttribute("data-announce") || "";
      if (target && text) { target.textContent = text; }
      document.dispatchEvent(new CustomEvent("onestop:announced", { detail: { region: region, key: key } }));
    }
    lastKey[into] = key;
  }

  document.addEventListener("DOMContentLoaded", function () { announce(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.elt ? event.detail.elt : event.target;
    announce(target && target.isConnected ? target : document);
  });
  // A device whose registration was withdrawn gets 403 on the next poll: show the explanation page.
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail && event.detail.xhr && event.detail.xhr.status === 403) { window.location.reload(); }
  });
})();
