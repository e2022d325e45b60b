// The schedule editor (templates/sla/schedule_edit.html): an error's message sits beside its field
// (aria-describedby names it). The preview answer replaces those messages out of band without
// touching the fields being typed in; here each field's aria-invalid (and so its red outline)
// follows whether a message it is described by says anything.
function markInvalidFields(root) {
  for (const field of root.querySelectorAll("input[aria-describedby]")) {
    const ids = field.getAttribute("aria-describedby").split(/\s+/);
    const invalid = ids.some((id) => document.getElementById(id)?.textContent.trim());
    if (invalid) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }
}
document.addEventListener("htmx:afterSettle", () => markInvalidFields(document));
