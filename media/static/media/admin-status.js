/* Refreshes the pipeline status of the media items on an admin page while any is still working. */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.statusUrl;
  if (!url) return;
  var INTERVAL = 3000;

  function pending() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-recording-status]"), function (el) {
      return !el.dataset.finished;
    });
  }

  var ICONS = { ready: "\u2713", failed: "\u26a0" }; // ✓, ⚠; every other state is work in progress

  function update(el, data) {
    el.querySelector("[data-status-label]").textContent = data.status_label;
    el.className = el.className.replace(/dangke-media-status--\S+/, "dangke-media-status--" + data.status);
    el.dataset.status = data.status;
    el.querySelector("[data-status-icon]").textContent = ICONS[data.status] || "\u23f3"; // ⏳
    var bar = el.querySelector("[data-status-bar]");
    var progress = el.querySelector("[data-status-progress]");
    var transcoding = data.status === "transcoding";
    bar.hidden = !transcoding;
    bar.value = data.progress;
    progress.textContent = transcoding ? Math.floor(data.progress) + "%" : "";
    el.querySelector("[data-status-reason]").textContent = data.status === "failed" ? data.failure_reason : "";
    if (data.finished) {
      el.dataset.finished = "1";
      // The edit view is not reloaded (the form may hold unsaved edits); it says what changed.
      if (data.status === "ready" && el.dataset.readyNotice) {
        el.querySelector("[data-status-reason]").textContent = el.dataset.readyNotice;
      }
    }
  }

  function tick() {
    var elements = pending();
    if (!elements.length) { window.setTimeout(tick, INTERVAL * 3); return; }
    var ids = elements.map(function (el) { return el.dataset.id; }).join(",");
    fetch(url + "?ids=" + encodeURIComponent(ids), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {recordings: []}; })
      .then(function (payload) {
        payload.recordings.forEach(function (data) {
          document.querySelectorAll('[data-recording-status][data-id="' + data.id + '"]').forEach(function (el) {
            update(el, data);
          });
        });
      })
      .catch(function () {})
      .then(function () { window.setTimeout(tick, INTERVAL); });
  }
  window.setTimeout(tick, INTERVAL);
})();
