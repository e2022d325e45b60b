// The channel account form: a port left empty follows the security chosen above it, and its
// placeholder says which port that is (993 for SSL/TLS, 143 for STARTTLS...). The server applies the
// same default (channels/email/config.py); this only keeps the hint in step with the choice.
document.addEventListener("change", (event) => {
  const chosen = event.target;
  if (!(chosen instanceof HTMLSelectElement) || !chosen.id) return;
  for (const port of document.querySelectorAll(`[data-default-from="${chosen.id}"]`)) {
    const defaults = JSON.parse(port.dataset.defaults || "{}");
    port.placeholder = defaults[chosen.value] || "";
  }
});
