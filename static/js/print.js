// A button with data-print prints the page (the Content-Security-Policy allows no onclick="").
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
