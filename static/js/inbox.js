// OSS Inbox ticket page: the X character counter and drafts that survive a reload.
// No framework; the server re-checks the length (channels/twitter/parse.py tweet_length).
(function () {
  "use strict";
  var URL_LENGTH = 23;  // X counts every link as 23 characters

  function tweetLength(text) {
    var urls = text.match(/https?:\/\/\S+/g) || [];
    var rest = text.replace(/https?:\/\/\S+/g, "");
    var length = urls.length * URL_LENGTH;
    for (var ch of rest.normalize("NFC")) {
      var code = ch.codePointAt(0);
      // twitter-text weights: Latin and common punctuation 1, everything else (CJK, emoji) 2
      length += (code <= 0x10FF || (code >= 0x2000 && code <= 0x200D) || (code >= 0x2010 && code <= 0x201F) || (code >= 0x2032 && code <= 0x2037)) ? 1 : 2;
    }
    return length;
  }

  function setUp(form) {
    var text = form.querySelector("textarea[name=text]");
    var key = "oss-inbox-draft-" + form.dataset.ticket;
    var max = parseInt(form.dataset.maxLength || "0", 10);
    var counter = form.querySelector("#composer-count");
    if (!text.value && localStorage.getItem(key)) text.value = localStorage.getItem(key);
    function update() {
      if (text.value) localStorage.setItem(key, text.value); else localStorage.removeItem(key);
      if (!counter) return;
      var used = tweetLength(text.value);
      counter.textContent = used + "/" + max + (used > max ? " — " + (used - max) + " too long for X" : "");
      counter.classList.toggle("over", used > max);
    }
    text.addEventListener("input", update);
    form.addEventListener("submit", function () { sessionStorage.setItem("oss-inbox-sent", key); });
    update();
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
          text.dispatchEvent(new Event("input"));
          text.focus();
        })
        .catch(function (error) { picker.querySelector("input[name=canned]").setCustomValidity(error.message); picker.reportValidity(); });
    });
    picker.querySelector("input[name=canned]").addEventListener("input", function (event) { event.target.setCustomValidity(""); });
  }

  // Keyboard: j/k/Enter in the queue; r/n/a/e on a ticket; ? for help. Ignored while typing.
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

  function resolve() {
    var form = document.querySelector("form[data-status-form]");
    if (!form) return;
    form.querySelector("select[name=status]").value = "resolved";
    form.requestSubmit();
  }

  var keys = {
    j: function () { moveSelection(1); },
    k: function () { moveSelection(-1); },
    r: function () { write("reply"); },
    n: function () { write("note"); },
    a: function () { var claim = document.getElementById("claim"); if (claim) claim.click(); },
    e: resolve,
    "?": function () { var help = document.getElementById("shortcuts"); if (help && !help.open) help.showModal(); },
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey && event.key === "Enter" && event.target.matches("form.composer textarea")) {
      var form = event.target.form;
      var button = form.querySelector("button[value=" + (form.dataset.mode === "note" ? "note" : "reply") + "]");
      if (button) { event.preventDefault(); form.requestSubmit(button); }
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
  // fetch this page again and replace only the rows, keeping the selection and the scroll.
  function liveQueue(table) {
    var seen = null;
    function refreshRows() {
      return fetch(location.href, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("table.tickets tbody");
        var selected = table.querySelector("[data-ticket-row].selected");
        var selectedId = selected && selected.dataset.ticketId;
        if (!fresh) return;
        table.querySelector("tbody").replaceWith(document.adoptNode(fresh));
        var again = selectedId && table.querySelector("[data-ticket-id='" + selectedId + "']");
        if (again) { again.classList.add("selected"); again.setAttribute("aria-selected", "true"); }
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
    poll();
  }

  // A draft is cleared only once the send came back as a page without an error.
  var sent = sessionStorage.getItem("oss-inbox-sent");
  if (sent && !document.querySelector(".composer .error, .composer .confirm")) {
    localStorage.removeItem(sent);
  }
  sessionStorage.removeItem("oss-inbox-sent");
  document.querySelectorAll("form.composer").forEach(setUp);
  document.querySelectorAll("form.canned-picker").forEach(setUpCanned);
  document.querySelectorAll("table.tickets[data-refresh-url]").forEach(liveQueue);
})();
