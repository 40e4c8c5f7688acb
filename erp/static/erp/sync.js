// While the run is RUNNING: refresh the numbers every 2 s; reload once it has finished.
(function () {
  const box = document.getElementById("erp-sync-progress");
  const url = box.dataset.statusUrl;
  function tick() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (status) {
        for (const name of ["processed", "total", "sent", "updated", "failed", "held"]) {
          const cell = document.getElementById("erp-sync-" + name);
          if (cell) { cell.textContent = status[name]; }
        }
        const bar = document.getElementById("erp-sync-bar");
        if (bar) { bar.max = status.total; bar.value = status.processed; }
        if (status.running) { setTimeout(tick, 2000); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 2000);
})();
