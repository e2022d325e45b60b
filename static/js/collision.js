// A reply collision (templates/inbox/_collision.html): a colleague answered the customer while this
// agent was writing. The choices are plain submit buttons that work without this script; it only
// helps the keyboard: the choices get the focus when they appear, Esc among them is Cancel, Ctrl+Enter
// in the draft goes to the choices instead of sending, and after Cancel the draft gets the focus.
(function () {
  "use strict";

  function focusChoices(root) {
    var box = root.querySelector("[data-collision]");
    if (box) { box.focus(); return; }
    var draft = root.querySelector("textarea[data-collision-focus]");
    if (draft) {
      draft.focus();
      draft.setSelectionRange(draft.value.length, draft.value.length);
    }
  }

  // In the queue's third pane, after static/js/inbox.js has given the pane the focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    var pane = event.detail.target;
    if (pane && pane.id === "ticket-pane") focusChoices(pane);
  });

  document.addEventListener("keydown", function (event) {
    var box = document.querySelector("[data-collision]");
    if (!box) return;
    if (event.key === "Escape" && box.contains(event.target)) {
      event.preventDefault();
      box.querySelector("[data-collision-cancel]").click();
    }
  });

  // Before inbox.js's own Ctrl+Enter (Send): with a collision shown, the agent chooses first.
  window.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey && event.key === "Enter" && event.target.matches("form.composer textarea"))) return;
    var box = event.target.form.querySelector("[data-collision]");
    if (!box) return;
    event.preventDefault();
    event.stopPropagation();
    box.focus();
  }, true);

  focusChoices(document);
})();
