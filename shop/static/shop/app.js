// Behaviour shared by every page, kept out of the HTML so that the Content-Security-Policy
// can forbid inline scripts. A submit button with data-confirm asks before it submits.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
