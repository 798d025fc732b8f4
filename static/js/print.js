// The share page's "Imprimer" button (sharing/print_button.html): hidden in the markup, shown
// here, so that it never shows where it cannot work. The CSP allows this file, not inline code.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
