// Polls while the connect page is open; its Check button does the same without JavaScript.
(() => {
  const form = document.getElementById("allegro-connect-poll");
  const status = document.getElementById("allegro-connect-status");
  let interval = Number(form.dataset.interval) || 5;
  async function poll() {
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: {"Accept": "application/json"},
        credentials: "same-origin",
      });
      const result = await response.json();
      if (result.redirect) {
        window.location.assign(result.redirect);
        return;
      }
      interval = result.interval || interval;
      if (result.message) status.textContent = result.message;
    } catch (error) {
      // A network hiccup: try again at the next tick.
    }
    setTimeout(poll, interval * 1000);
  }
  setTimeout(poll, interval * 1000);
})();
