// A bulk run's page while it runs: refresh the numbers every 2 s, reload once it has finished
// (the table of outcomes is then complete).
(function () {
  const box = document.getElementById("bulk-run-progress");
  if (!box || box.dataset.running !== "1") { return; }
  const url = box.dataset.statusUrl;
  function tick() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (status) {
        for (const name of ["processed", "total", "done", "unchanged", "refused", "pending"]) {
          const cell = document.getElementById("bulk-run-" + name);
          if (cell) { cell.textContent = status[name]; }
        }
        const bar = document.getElementById("bulk-run-bar");
        if (bar) { bar.max = status.total; bar.value = status.processed; }
        if (status.running) { setTimeout(tick, 2000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 2000);
})();
