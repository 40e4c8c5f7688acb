// A long run's progress panel (shop/_progress.html) while the run goes on: refresh its numbers
// from the panel's data-status-url every 2 s, and reload the page once the run has finished.
(function () {
  const box = document.querySelector("[data-progress]");
  if (!box || box.dataset.running !== "1") { return; }
  const url = box.dataset.statusUrl;
  function tick() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (status) {
        for (const cell of box.querySelectorAll("[data-field]")) {
          cell.textContent = status[cell.dataset.field];
        }
        const bar = box.querySelector("progress");
        if (bar) { bar.max = status.total; bar.value = status.processed; }
        if (status.running) { setTimeout(tick, 2000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 2000);
})();
