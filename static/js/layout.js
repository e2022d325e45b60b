// Every page: the top bar's Menu button on a narrow screen. Loaded in <head>, not deferred: the
// "js" class below is set before the top bar is drawn, so a phone shows the links folded under Menu
// from the start (without this script they simply stay open, wrapped). No inline script: the
// Content-Security-Policy refuses them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setOpen(button, open) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  }

  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-menu-toggle][aria-expanded=true]"));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-menu-toggle]");
    if (button) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
      return;
    }
    // A tap anywhere else folds an open menu again (a tap inside it follows its link).
    openMenus().forEach(function (open) {
      var menu = document.getElementById(open.getAttribute("aria-controls"));
      if (menu && !menu.contains(event.target)) setOpen(open, false);
    });
  });

  // Escape folds the menu and gives the keyboard back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (open) {
      var menu = document.getElementById(open.getAttribute("aria-controls"));
      if (!menu) return;
      var within = menu.contains(document.activeElement) || open === document.activeElement;
      setOpen(open, false);
      if (within) open.focus();
    });
  });

  // htmx keeps a copy of the page for the browser's Back (the queue's opened tickets, hx-push-url).
  // The page's scripts have run already: left in that copy, Back would run them a second time, and
  // every key press would then count twice.
  document.addEventListener("htmx:beforeHistorySave", function (event) {
    event.detail.historyElt.querySelectorAll("script").forEach(function (script) { script.remove(); });
  });
})();
