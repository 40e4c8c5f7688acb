// The sales list's bulk bar: "select all on this page" and the count of ticked rows. The
// checkboxes belong to the bar's form through their form="bulk-actions" attribute.
(function () {
  const form = document.getElementById("bulk-actions");
  if (!form) { return; }
  const boxes = function () {
    return Array.from(document.querySelectorAll('input[name="orders"][form="bulk-actions"]'));
  };
  const all = document.querySelector("[data-select-all]");
  const count = form.querySelector("[data-selected-count]");
  const scopeSelected = form.querySelector('input[name="scope"][value="selected"]');
  function update() {
    const ticked = boxes().filter(function (box) { return box.checked; }).length;
    if (count) { count.textContent = ticked; }
    if (all) {
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target === all) {
      for (const box of boxes()) { box.checked = all.checked; }
    }
    if (event.target === all || event.target.name === "orders") {
      if (scopeSelected) { scopeSelected.checked = true; }
      update();
    }
  });
  // Cancelling is final: asked once for the whole selection.
  form.addEventListener("submit", function (event) {
    const status = form.querySelector('select[name="status"]');
    const cancelling = event.submitter && event.submitter.value === "status" &&
      status && status.value === "CANCELLED";
    if (cancelling && !window.confirm(form.dataset.confirmCancel)) { event.preventDefault(); }
  });
  update();
})();
