// Bulk and irreversible buttons ask first: a form with data-confirm="…" opens a <dialog> saying
// what will happen, with the count, and is sent only from the dialog's confirm button.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (form.dataset.confirmed === "yes") return;
    event.preventDefault();
    const submitter = event.submitter;
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("role", "alertdialog");
    const message = document.createElement("p");
    message.textContent = form.dataset.confirm;
    const yes = document.createElement("button");
    yes.type = "button";
    yes.className = "primary";
    yes.textContent = form.dataset.confirmYes || "OK";
    const no = document.createElement("button");
    no.type = "button";
    no.textContent = form.dataset.confirmNo || "Cancel";
    yes.addEventListener("click", () => {
      form.dataset.confirmed = "yes";
      dialog.close();
      form.requestSubmit(submitter);
    });
    no.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => dialog.remove());
    dialog.append(message, yes, no);
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
});
