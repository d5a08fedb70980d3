// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Ask before actions that cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // A secret shown once: selected on focus, ready to copy.
  document.querySelectorAll("input[data-copy]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
  // Live preview of templates for real leads, as the person types.
  const form = document.getElementById("templates-form");
  if (form && form.dataset.preview) {
    let timer = null;
    let sequence = 0;
    const refresh = async () => {
      const mine = ++sequence;
      const response = await fetch(form.dataset.preview, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
      });
      if (!response.ok || mine !== sequence) return;
      const current = document.getElementById("preview");
      if (current) current.outerHTML = await response.text();
    };
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
  }
});
