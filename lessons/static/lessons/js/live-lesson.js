/* A live lesson's page: the countdown to the start, the number watching now, and a reload when the
 * live's state changes (upcoming → live → ended → replay ready), by polling the status JSON. */
(function () {
  "use strict";

  var POLL_MS = 15000;
  var box = document.querySelector("[data-live-lesson]");
  if (!box) return;
  var state = box.getAttribute("data-live-state");
  var statusUrl = box.getAttribute("data-live-status-url");
  var startsAt = Date.parse(box.getAttribute("data-live-starts-at") || "");
  var countdown = box.querySelector("[data-live-countdown]");
  var watching = box.querySelector("[data-live-watching]");

  function pad(n) { return String(n).padStart(2, "0"); }

  function tick() {
    if (!countdown || isNaN(startsAt)) return;
    var left = Math.max(0, Math.floor((startsAt - Date.now()) / 1000));
    var days = Math.floor(left / 86400), hours = Math.floor(left % 86400 / 3600);
    var minutes = Math.floor(left % 3600 / 60), seconds = left % 60;
    countdown.textContent = left > 0
      ? "（还有 " + (days ? days + " 天 " : "") + pad(hours) + ":" + pad(minutes) + ":" + pad(seconds) + "）"
      : "（即将开始）";
  }

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.state !== state) { window.location.reload(); return; }
        if (watching) watching.textContent = String(data.watching);
      })
      .catch(function () { /* try again at the next poll */ });
  }

  tick();
  if (countdown) window.setInterval(tick, 1000);
  window.setInterval(poll, POLL_MS);
})();
