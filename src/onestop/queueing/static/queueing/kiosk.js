/* Kiosk: go back to the start screen (in the default language) when nobody has touched the screen for
   a while, so the next person does not find someone else's ticket or language. Without this file a
   "Done" / "Start again" button does the same. */
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-idle-return");
  var seconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  if (!url || !seconds) { return; }
  var here = window.location.pathname + window.location.search;
  if (here === url) { return; }
  var timer = null;
  function arm() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(function () { window.location.assign(url); }, seconds * 1000);
  }
  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, arm, { passive: true });
  });
  arm();
})();
