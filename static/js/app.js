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

// Workspace: nothing typed is lost (docs/architecture.md, "Nothing typed is lost").
// A form that saves itself (.autosave) posts on change; what the server could not save comes
// back in its field, marked aria-invalid with the reason. Two things only the browser knows:
// what is typed and not posted yet, and what was typed while a save was on its way.
(() => {
  const forms = () => document.querySelectorAll("form.autosave");
  const fields = (form) => form.querySelectorAll("input:not([type=hidden]), select, textarea");
  const valueOf = (field) =>
    field.type === "checkbox" || field.type === "radio" ? field.checked : field.value;
  const typed = (field) => {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      // With no option marked selected, the first one is the default.
      const initial = [...field.options].findIndex((option) => option.defaultSelected);
      return field.selectedIndex !== Math.max(initial, 0);
    }
    return field.value !== field.defaultValue;
  };
  const unsaved = () =>
    [...forms()].some(
      (form) => form.querySelector("[aria-invalid=true]") || [...fields(form)].some(typed),
    );

  // Ask before leaving only while something is unsaved (a listener left in place would keep
  // the page out of the browser's back-forward cache).
  const ask = (event) => {
    if (!unsaved()) return;
    event.preventDefault();
    event.returnValue = "";
  };
  let asking = false;
  const update = () => {
    const now = unsaved();
    if (now !== asking) {
      window[now ? "addEventListener" : "removeEventListener"]("beforeunload", ask);
      asking = now;
    }
  };
  if (!forms().length) return;
  document.addEventListener("input", update);
  document.addEventListener("change", update);
  document.body.addEventListener("htmx:afterSwap", update);
  document.body.addEventListener("htmx:afterSettle", update);
  update();

  // A value typed while its form's save was on its way would be replaced by the answer:
  // put it back once its field is swapped in (the summary, out of band, may come first),
  // and post again.
  const sent = new WeakMap(); // request → [form, its values when sent]
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.detail.elt;
    if (!form.matches || !form.matches("form.autosave")) return;
    const values = new Map([...fields(form)].map((field) => [field.id, valueOf(field)]));
    sent.set(event.detail.xhr, [form, values]);
  });
  let pending = [];
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const request = sent.get(event.detail.xhr);
    const [sender, values] = request || [null, new Map()];
    pending = sender
      ? [...fields(sender)]
          .filter((field) => field.id && values.get(field.id) !== valueOf(field))
          .map((field) => [field, valueOf(field)])
      : [];
    // The other forms the answer replaces (the categories table when a category is added or
    // moved, an item's group when an item is added): what is typed and not sent, or sent
    // and refused, comes back too.
    const target = event.detail.target;
    if (!target || !target.querySelectorAll) return;
    const others = [...target.querySelectorAll("form.autosave")];
    if (target.matches("form.autosave")) others.push(target);
    for (const form of others) {
      if (form === sender) continue;
      for (const field of fields(form)) {
        if (field.id && (typed(field) || field.getAttribute("aria-invalid") === "true")) {
          pending.push([field, valueOf(field)]);
        }
      }
    }
  });
  const resend = new Set();
  document.body.addEventListener("htmx:afterSwap", () => {
    pending = pending.filter(([old, value]) => {
      const field = document.getElementById(old.id);
      if (!field || field === old) return true; // not swapped yet
      if (typeof value === "boolean") field.checked = value;
      else field.value = value;
      resend.add(field.form);
      return false;
    });
  });
  // Once htmx has set up the new form (its triggers), send what was put back.
  document.body.addEventListener("htmx:afterSettle", () => {
    pending = []; // a field that did not come back (a deleted row) has nowhere to go
    resend.forEach((form) => {
      if (form && form.isConnected) form.dispatchEvent(new Event("change", { bubbles: true }));
    });
    resend.clear();
  });
})();

// A cost item's amount and its frequency travel together (issue 15, point 2): an amount
// typed before switching to "par an" must not count a month's worth in between. When the
// amount's change moves the focus to the row's frequency or months, its save waits until the
// focus leaves them: their own change posts the whole row, or leaving them posts it.
(() => {
  const COMPANIONS = "select[name$='-frequency'], input[name$='-amortization_months']";
  const held = new WeakMap();
  document.body.addEventListener("htmx:confirm", (event) => {
    const form = event.detail.elt;
    const trigger = event.detail.triggeringEvent;
    if (!form.matches || !form.matches("form.item-row")) return;
    held.delete(form); // this request carries whatever was held
    if (!trigger || trigger.type !== "change" || !trigger.target.matches("input[name$='-amount']")) {
      return;
    }
    event.preventDefault();
    // The focus moves after the change event, in the same task: look once it has.
    setTimeout(() => {
      const active = document.activeElement;
      if (active && form.contains(active) && active.matches(COMPANIONS)) {
        held.set(form, event.detail.issueRequest);
      } else {
        event.detail.issueRequest(true);
      }
    }, 0);
  });
  document.body.addEventListener("focusout", (event) => {
    const form = event.target.form;
    if (!form || !held.has(form)) return;
    const next = event.relatedTarget;
    if (next && form.contains(next) && next.matches(COMPANIONS)) return;
    const issue = held.get(form);
    held.delete(form);
    issue(true);
  });
})();

// Deleting a row from the keyboard: the focus is on its "✕", which the answer takes away with
// the row. Give it to the next row (or the one before, or the add row), not to the page's top.
(() => {
  const FIELDS = "input:not([type=hidden]), select, textarea, button, a[href]";
  let heir = null;
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const link = event.detail.elt;
    heir = null;
    if (!link.matches || !link.matches("a.delete") || document.activeElement !== link) return;
    const row = link.closest(".row");
    const section = row && row.closest("section");
    const near = [row && row.nextElementSibling, row && row.previousElementSibling]
      .find((element) => element && element.matches(".row"));
    heir = near || (section && section.querySelector("form.add-row"));
  });
  document.body.addEventListener("htmx:afterSettle", () => {
    if (!heir || !heir.isConnected) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    const field = heir.querySelector(FIELDS);
    heir = null;
    if (field) field.focus();
  });
})();
