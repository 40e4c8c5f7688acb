// Behaviour shared by every page, kept out of the HTML so that the Content-Security-Policy
// can forbid inline scripts. A submit button with data-confirm asks before it submits.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
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
