/* OneStop progressive enhancement. Everything works without this file: it only moves focus to an
   error summary, so screen-reader and keyboard users hear the problem first. */
(function () {
  "use strict";
  function focusErrorSummary(root) {
    var summary = (root || document).querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () { focusErrorSummary(document); });
  document.addEventListener("htmx:afterSettle", function () { focusErrorSummary(document); });
})();
