// Behaviour shared by every page, kept out of the HTML so that the Content-Security-Policy
// can forbid inline scripts.

// A submit button with data-confirm asks before it submits.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// The menu button of narrow screens opens and closes the menu (and the user's box).
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-menu-toggle]");
  if (!toggle) return;
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  document.getElementById(toggle.getAttribute("aria-controls")).classList.toggle("open", open);
});

// A data table too wide for its place (a phone, a tablet, a narrow window) shows its rows as
// cards (app.css, .as-cards): each cell on its own line after its column's heading, taken from
// the table's own head so that no template repeats it. A table of headings down its side (key
// and value) stays a table. Without this script a wide table scrolls inside its frame.
function labelCells(table) {
  const heads = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
  if (!heads.length) return false;
  for (const row of table.querySelectorAll("tbody tr")) {
    let column = 0;
    for (const cell of row.children) {
      const label = heads[column];
      if (label && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
      // An empty cell is left out of the card rather than shown as a heading with nothing.
      const shown = cell.textContent.trim();
      if ((!shown || shown === "—") && !cell.querySelector("input, button, select, img, svg")) {
        cell.classList.add("blank");
      }
      column += cell.colSpan || 1;
    }
  }
  return true;
}
const cardTables = Array.from(document.querySelectorAll("table.data")).filter(labelCells);
function fitTables() {
  for (const table of cardTables) {
    const frame = table.parentElement;
    frame.classList.remove("as-cards"); // measured as a table first
    if (table.offsetWidth > frame.clientWidth + 1) frame.classList.add("as-cards");
  }
}
let fitting = 0;
function fitSoon() {
  cancelAnimationFrame(fitting);
  fitting = requestAnimationFrame(fitTables);
}
window.addEventListener("resize", fitSoon);
window.addEventListener("load", fitSoon); // fonts and images may widen a table
document.addEventListener("toggle", fitSoon, true); // a table inside a <details> just opened
fitTables();

// Keyboard: "/" searches the list, j/k or the arrows go to the next/previous page, "?" shows
// the help. Never while typing in a field, nor with a modifier (the browser's own shortcuts).
const shortcuts = document.getElementById("shortcuts");
function showShortcuts() {
  if (shortcuts && !shortcuts.open) shortcuts.showModal();
}
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-shortcuts-open]")) showShortcuts();
});
function typing(target) {
  return target.closest("input, textarea, select, [contenteditable]") !== null;
}
function follow(rel) {
  const link = document.querySelector(`.pager a[rel="${rel}"]`);
  if (link) window.location.assign(link.href);
}
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (typing(event.target)) {
    if (event.key === "Escape" && event.target.matches("input[type=search], input[name=q]")) {
      event.target.blur();
    }
    return;
  }
  if (shortcuts && shortcuts.open) return; // the dialog handles its own keys (Esc closes)
  const search = document.querySelector('form.filters input[name="q"]');
  switch (event.key) {
    case "/":
      if (!search) return;
      event.preventDefault();
      search.focus();
      search.select();
      break;
    case "j":
    case "ArrowRight":
      follow("next");
      break;
    case "k":
    case "ArrowLeft":
      follow("prev");
      break;
    case "?":
      event.preventDefault();
      showShortcuts();
      break;
    default:
  }
});

// A file input shows the chosen file's name in the page's language (shop.forms.LabelledFileInput):
// the browser's own text would be in the browser's language.
document.addEventListener("change", (event) => {
  const input = event.target.closest(".file-input-native");
  if (!input) return;
  const name = input.parentElement.querySelector(".file-input-name");
  const chosen = Array.from(input.files, (file) => file.name).join(", ");
  name.textContent = chosen || name.dataset.empty;
});
