// Progressive enhancements only: every page works without this file.
// With JavaScript, rows save themselves on change, so their "Enregistrer" buttons can hide.
document.documentElement.classList.add("js");
