// Progressive enhancements only: every page works without this file.
// With JavaScript, rows save themselves on change, so their "Enregistrer" buttons can hide.
document.documentElement.classList.add("js");

// htmx leaves the page as it was when a request fails (a 5xx, a 503 while the database
// restarts, no network): say so instead of failing silently; the next success hides it.
const requestError = document.getElementById("request-error");
if (requestError) {
  const show = () => { requestError.hidden = false; };
  document.body.addEventListener("htmx:responseError", show);
  document.body.addEventListener("htmx:sendError", show);
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) requestError.hidden = true;
  });
}

// Share links: "Copier" puts the link's address on the clipboard. The button stays hidden
// without JavaScript, where the read-only field can still be selected and copied by hand.
document.querySelectorAll("[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  const label = button.textContent;
  const copied = () => {
    button.textContent = button.dataset.copied || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  };
  const selectField = () => {
    // Without the Clipboard API (plain http, older browsers): select the text for Ctrl+C.
    field.focus();
    field.select();
    try {
      if (document.execCommand("copy")) copied();
    } catch (error) {
      // The text stays selected: copying by hand still works.
    }
  };
  button.hidden = false;
  button.addEventListener("click", () => {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(copied, selectField);
    } else {
      selectField();
    }
  });
});
