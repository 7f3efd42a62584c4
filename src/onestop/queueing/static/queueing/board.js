/* Display board: rotate the language of its labels every few seconds, and make a new call flash.
   Without this file the board still works: it shows the page's own language and reloads itself. */
(function () {
  "use strict";
  var body = document.body;
  var languages = (body.getAttribute("data-languages") || "").split(" ").filter(Boolean);
  var current = body.getAttribute("data-current-language") || languages[0];
  var seconds = parseInt(body.getAttribute("data-rotate-seconds"), 10) || 6;

  function applyLanguage(root) {
    var spans = (root || document).querySelectorAll("[data-lang]");
    for (var i = 0; i < spans.length; i++) {
      spans[i].hidden = spans[i].getAttribute("data-lang") !== current;
    }
  }

  if (languages.length > 1) {
    window.setInterval(function () {
      current = languages[(languages.indexOf(current) + 1) % languages.length];
      applyLanguage(document);
    }, seconds * 1000);
  }
  // A refreshed region arrives in the server's language; show it in the one on screen now.
  document.addEventListener("htmx:afterSwap", function () { applyLanguage(document); });

  var flashUntil = 0;
  document.addEventListener("onestop:announced", function () { flashUntil = Date.now() + 4000; markNew(); });
  document.addEventListener("htmx:afterSwap", markNew);
  function markNew() {
    var now = document.querySelector(".board-now");
    if (now) { now.classList.toggle("is-new", Date.now() < flashUntil); }
  }
})();
