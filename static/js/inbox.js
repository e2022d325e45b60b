// OSS Inbox pages: drafts that survive a reload, the keyboard, the live queue and the ticket pane.
// No framework. The composer's counter is the server's (inbox:reply_count, asked by htmx attributes
// in templates/inbox/_composer.html): no channel rule is copied here.
(function () {
  "use strict";

  // When this agent last typed a reply: the ticket's state poll reports it, so colleagues see
  // "Dana is replying" (oss_inbox/inbox/presence.py).
  var typedAt = 0;
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "ticket-state" || !typedAt) return;
    event.detail.parameters.typed = Math.floor((Date.now() - typedAt) / 1000);
  });

  function setUp(form) {
    var text = form.querySelector("textarea[name=text]");
    var key = "oss-inbox-draft-" + form.dataset.ticket;
    var replyAs = form.querySelector("select[name=reply_as]");
    typedAt = 0;  // a ticket just opened: nothing typed on it yet
    var restored = !text.value && localStorage.getItem(key);
    if (restored) {
      text.value = localStorage.getItem(key);
      // The draft's public/private choice comes back with it, unless the page already says which.
      var savedAs = localStorage.getItem(key + "-as");
      if (replyAs && savedAs && replyAs.querySelector("option[value='" + savedAs + "']")) replyAs.value = savedAs;
    }
    function save() {
      if (text.value) localStorage.setItem(key, text.value); else localStorage.removeItem(key);
      if (text.value && replyAs) localStorage.setItem(key + "-as", replyAs.value); else localStorage.removeItem(key + "-as");
    }
    text.addEventListener("input", save);
    var restoring = false;  // a draft coming back is not typing: colleagues are not told "replying"
    text.addEventListener("input", function () {
      if (!restoring && form.dataset.mode !== "note") typedAt = Date.now();
    });
    if (replyAs) replyAs.addEventListener("change", save);
    form.addEventListener("submit", function () { sessionStorage.setItem("oss-inbox-sent", key); });
    save();
    // The restored draft is new text to the counter (htmx listens on the form for input).
    if (restored) {
      restoring = true;
      text.dispatchEvent(new Event("input", {bubbles: true}));
      restoring = false;
    }
  }

  // Insert a canned response at the cursor instead of reloading the page (which is the fallback).
  function setUpCanned(picker) {
    picker.addEventListener("submit", function (event) {
      var text = document.querySelector("form.composer textarea[name=text]");
      var name = picker.querySelector("input[name=canned]").value;
      if (!text || !name) return;
      event.preventDefault();
      fetch(picker.dataset.fillUrl + "?canned=" + encodeURIComponent(name), {credentials: "same-origin"})
        .then(function (response) { if (!response.ok) throw new Error("No canned response called " + name); return response.text(); })
        .then(function (filled) {
          var at = text.selectionStart || text.value.length;
          text.value = text.value.slice(0, at) + filled + text.value.slice(text.selectionEnd || at);
          text.dispatchEvent(new Event("input", {bubbles: true}));  // saved as a draft, and counted
          text.focus();
        })
        .catch(function (error) { picker.querySelector("input[name=canned]").setCustomValidity(error.message); picker.reportValidity(); });
    });
    picker.querySelector("input[name=canned]").addEventListener("input", function (event) { event.target.setCustomValidity(""); });
  }

  // Keyboard: j/k/Enter in the queue; r/n/a/e/t on a ticket; ? for help. Ignored while typing.
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function moveSelection(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-ticket-row]"));
    if (!rows.length) return;
    var current = rows.findIndex(function (row) { return row.classList.contains("selected"); });
    var next = Math.min(rows.length - 1, Math.max(0, current + step));
    rows.forEach(function (row) { row.classList.remove("selected"); row.removeAttribute("aria-selected"); });
    rows[next].classList.add("selected");
    rows[next].setAttribute("aria-selected", "true");
    rows[next].querySelector("a[data-open]").focus();
  }

  function write(mode) {
    var form = document.querySelector("form.composer");
    if (!form) return;
    form.dataset.mode = mode;
    form.classList.toggle("as-note", mode === "note");
    form.querySelector("textarea").focus();
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("form.composer [data-write]");
    if (button) write(button.dataset.write);
  });

  function resolve() {
    var form = document.querySelector("form[data-status-form]");
    if (!form) return;
    form.querySelector("select[name=status]").value = "resolved";
    form.requestSubmit();
  }

  // The queue's checkboxes feed the bulk bar; x ticks the selected row's.
  function toggleSelectedRow() {
    var box = document.querySelector("[data-ticket-row].selected input[type=checkbox]");
    if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", {bubbles: true})); }
  }

  function countPicked() {
    var label = document.querySelector("[data-selected-count]");
    if (!label) return;
    var picked = document.querySelectorAll("#queue-rows input[name=ticket]:checked").length;
    label.textContent = picked ? picked + " selected" : "Select tickets (x) to act on several at once";
  }

  var keys = {
    j: function () { moveSelection(1); },
    k: function () { moveSelection(-1); },
    x: toggleSelectedRow,
    "/": function () { var search = document.getElementById("search"); if (search) { search.focus(); search.select(); } },
    r: function () { write("reply"); },
    n: function () { write("note"); },
    a: function () { var claim = document.getElementById("claim"); if (claim) claim.click(); },
    e: resolve,
    t: function () { var tag = document.getElementById("add-tag"); if (tag) tag.focus(); },
    "?": function () { var help = document.getElementById("shortcuts"); if (help && !help.open) help.showModal(); },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey && event.key === "Enter" && event.target.matches("form.composer textarea")) {
      var form = event.target.form;
      var button = form.querySelector("button[value=" + (form.dataset.mode === "note" ? "note" : "reply") + "]");
      // A click, not requestSubmit(button): htmx (the queue's pane) sends a button's value only for a click.
      if (button) { event.preventDefault(); button.click(); }
      return;
    }
    if (event.key === "Escape" && typing(event.target) && !event.target.closest("dialog")) {
      event.target.blur();  // back to the shortcuts (j/k, a, e...), the text stays where it is
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "Enter" && document.activeElement === document.body) {
      var selected = document.querySelector("[data-ticket-row].selected a[data-open]");
      if (selected) { event.preventDefault(); selected.click(); }
      return;
    }
    var action = keys[event.key];
    if (action) { event.preventDefault(); action(); }
  });

  // Live queue: ask every 5 s whether anything changed (a 304 while nothing did); if it did,
  // fetch the view list and the rows of this page (an htmx partial) and swap only those, keeping
  // the selected row, the ticked boxes, the focus and the scroll position.
  function liveQueue(table) {
    var seen = null;
    function refreshRows() {
      var headers = {"HX-Request": "true", "HX-Target": table.dataset.liveTarget || ""};
      return fetch(location.href, {credentials: "same-origin", headers: headers}).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
        if (html === null) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var rows = document.getElementById("queue-rows"), freshRows = fresh.getElementById("queue-rows");
        if (!rows || !freshRows) return;
        var selected = rows.querySelector("[data-ticket-row].selected");
        var selectedId = selected && selected.dataset.ticketId;
        var hadFocus = rows.contains(document.activeElement);
        var ticked = Array.prototype.map.call(rows.querySelectorAll("input[name=ticket]:checked"), function (box) { return box.value; });
        rows.replaceWith(document.adoptNode(freshRows));
        var views = document.getElementById("view-list"), freshViews = fresh.getElementById("view-list");
        if (views && freshViews) views.replaceWith(document.adoptNode(freshViews));
        ticked.forEach(function (id) { var box = freshRows.querySelector("input[name=ticket][value='" + id + "']"); if (box) box.checked = true; });
        freshRows.querySelectorAll("[data-ticket-row].selected").forEach(function (row) { row.classList.remove("selected"); });
        var again = selectedId && freshRows.querySelector("[data-ticket-id='" + selectedId + "']");
        if (again) {
          again.classList.add("selected"); again.setAttribute("aria-selected", "true");
          if (hadFocus) again.querySelector("a[data-open]").focus({preventScroll: true});
        }
        if (window.htmx) window.htmx.process(freshRows);
        countPicked();
      });
    }
    function poll() {
      fetch(table.dataset.refreshUrl, {credentials: "same-origin", cache: "no-cache"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (version) {
          if (version === null) return;
          if (seen !== null && version !== seen) refreshRows();
          seen = version;
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ })
        .finally(function () { setTimeout(poll, 5000); });
    }
    document.addEventListener("oss:ticket-changed", refreshRows);
    poll();
  }

  // Filter and search forms leave out empty fields, so the URL (a link to share) stays short.
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("form.queue-filters, form.topbar-search")) return;
    event.target.querySelectorAll("select, input").forEach(function (field) { if (!field.value) field.disabled = true; });
  });
  window.addEventListener("pageshow", function () {  // back to this page from the browser's cache: usable again
    document.querySelectorAll("form.queue-filters [disabled], form.topbar-search [disabled]").forEach(function (field) { field.disabled = false; });
  });

  // Ticking boxes: the count in the bulk bar, and "select every ticket on this page".
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll("#queue-rows input[name=ticket]").forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches("[data-select-all], #queue-rows input[name=ticket]")) countPicked();
  });

  // The ticket's forms in the queue's third pane answer into the pane. A refusal (422: nothing to
  // send, too long; 409: claimed a moment ago, a colleague replied) is the ticket again with the
  // reason next to the form, so it is shown like any other answer, not dropped as an error.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (event.detail.target.id === "ticket-pane" && (status === 422 || status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A ticket opened in the queue's third pane: its row becomes the selected one and the pane's
  // composer gets its draft and canned responses like on the ticket's own page. After a
  // change made in the pane, the queue shows it at once instead of at the next poll.
  document.addEventListener("htmx:afterSwap", function (event) {
    var pane = event.detail.target;
    if (!pane || pane.id !== "ticket-pane") return;
    var request = event.detail.requestConfig;
    if (request && request.elt.matches("form.composer")) forgetSentDraft(pane);
    pane.querySelectorAll("form.composer").forEach(setUp);
    pane.querySelectorAll("form.canned-picker").forEach(setUpCanned);
    var opened = request && request.elt.closest("[data-ticket-row]");
    if (opened) {
      document.querySelectorAll("[data-ticket-row].selected").forEach(function (row) { row.classList.remove("selected"); row.removeAttribute("aria-selected"); });
      opened.classList.add("selected"); opened.setAttribute("aria-selected", "true");
      if (ticketIsAScreen.matches) {  // the list is hidden now: show the ticket from its top, keyboard in it
        window.scrollTo(0, 0);
        pane.focus({preventScroll: true});
      }
    }
    if (request && request.verb === "post") {
      pane.focus({preventScroll: true});  // the button pressed is gone: keep the keyboard in the ticket
      document.dispatchEvent(new Event("oss:ticket-changed"));
    }
  });

  // Up to 1100 px an opened ticket is a screen of its own (static/css/app.css). "Back to the list" is
  // the browser's Back when the ticket was opened from this list (htmx put the list in its history,
  // scroll position included); opened from a shared link, it is a plain link to the list.
  var ticketIsAScreen = window.matchMedia("(max-width: 1100px)");
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-pane-back]");
    if (!back || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    if (history.state && history.state.htmx && history.length > 1) {
      event.preventDefault();
      history.back();
    }
  });
  // htmx's Back puts the list back as it was: its composers and canned responses work again (the
  // scripts are not run twice: static/js/layout.js leaves them out of htmx's history copy).
  document.addEventListener("htmx:historyRestore", function () {
    document.querySelectorAll("form.composer").forEach(setUp);
    document.querySelectorAll("form.canned-picker").forEach(setUpCanned);
  });

  // The pane's request failed (no connection, a server error, no longer allowed): say so above the
  // ticket, which stays as it was. The draft stays too: the send is not known to have gone.
  function paneFailed(event, words) {
    var pane = event.detail.target;
    if (!pane || pane.id !== "ticket-pane") return;
    sessionStorage.removeItem("oss-inbox-sent");
    var note = pane.querySelector(".pane-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "error pane-error";
      note.setAttribute("role", "alert");
      pane.prepend(note);
    }
    note.textContent = words;
  }
  document.addEventListener("htmx:sendError", function (event) {
    paneFailed(event, "OSS Inbox could not be reached. Nothing was changed, and what you wrote is kept: try again.");
  });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var words = {403: "You may not do that (any more).", 404: "This ticket is no longer there."}[status]
      || "That did not work (the server answered " + status + "). What you wrote is kept: try again.";
    paneFailed(event, words);
  });

  // A draft is cleared only once the send came back as a page without an error.
  function forgetSentDraft(root) {
    var sent = sessionStorage.getItem("oss-inbox-sent");
    if (sent && !root.querySelector(".composer .error, .composer .confirm")) {
      localStorage.removeItem(sent);
      localStorage.removeItem(sent + "-as");
    }
    sessionStorage.removeItem("oss-inbox-sent");
  }

  // A refused change came back as the ticket's page at the action's address: show the ticket's own
  // address, so a reload shows the ticket again (a data attribute: the CSP allows no inline script).
  var pageAddress = document.querySelector("[data-page-address]");
  if (pageAddress) history.replaceState(null, "", pageAddress.dataset.pageAddress);

  forgetSentDraft(document);
  document.querySelectorAll("form.composer").forEach(setUp);
  document.querySelectorAll("form.canned-picker").forEach(setUpCanned);
  document.querySelectorAll("table[data-refresh-url]").forEach(liveQueue);
})();
