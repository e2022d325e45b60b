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

  // A table wider than its box scrolls sideways in it (a phone; static/css/app.css): the keyboard
  // must be able to scroll it too, so such a box takes the focus and is named after its table.
  // Only while it does scroll: on a wide screen it is no extra Tab stop.
  var SCROLLERS = ".table-scroll, table.tickets";
  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
      if (scrolls && !box.hasAttribute("tabindex")) {
        var table = box.matches("table") ? box : box.querySelector("table");
        var caption = table && table.querySelector("caption");
        var heading = box.parentElement && box.parentElement.querySelector("h2, h3");
        var name = (caption || heading || {}).textContent || "Table";
        box.setAttribute("tabindex", "0");
        box.dataset.scrollBox = "";
        if (!box.matches("table")) box.setAttribute("role", "region");
        if (!box.matches("table")) box.setAttribute("aria-label", name.trim() + " (scrolls sideways)");
      } else if (!scrolls && box.hasAttribute("data-scroll-box")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-box");
        if (!box.matches("table")) { box.removeAttribute("role"); box.removeAttribute("aria-label"); }
      }
    });
  }
  var pending = null;
  function markSoon() { clearTimeout(pending); pending = setTimeout(markScrollers, 100); }
  document.addEventListener("DOMContentLoaded", markScrollers);
  document.addEventListener("htmx:afterSettle", markSoon);
  window.addEventListener("resize", markSoon);

  // htmx keeps a copy of the page for the browser's Back (the queue's opened tickets, hx-push-url).
  // The page's scripts have run already: left in that copy, Back would run them a second time, and
  // every key press would then count twice.
  document.addEventListener("htmx:beforeHistorySave", function (event) {
    event.detail.historyElt.querySelectorAll("script").forEach(function (script) { script.remove(); });
  });
})();
