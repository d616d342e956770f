// The print view's button: the browser's print dialog (A4 from print.css's @page).
document.getElementById("print-now")?.addEventListener("click", () => window.print());
