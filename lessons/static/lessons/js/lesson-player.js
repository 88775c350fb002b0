/* Lesson page: seeking from chapters and the transcript, and progress heartbeats.
 *
 * The media app's player dispatches a bubbling `dangke:player-ready` event (detail.media is the
 * <video> or <audio> now playing, again after every switch between video and listen mode) and
 * exposes container.dangkePlayer.seek(seconds). We record the stretches actually played as ranges
 * (a seek starts a new range) and send them, with the position, every 15 s, on pause, and with
 * navigator.sendBeacon when the page is left. The server merges ranges, so sending one twice is harmless.
 * Following a link on this page waits (briefly) for the heartbeat in flight, and sends one for what
 * was played since the last: otherwise the next page (我的学习, say) can be served before the pause's
 * heartbeat is saved and show an older percentage than the CSV export asked for a moment later.
 * It also accepts new seconds only as fast as real time allows (from the last heartbeat, so we send
 * an empty one when playback starts) and says how many it dropped: those ranges go again next time.
 */
(function () {
  "use strict";

  var HEARTBEAT_MS = 15000;
  // A jump between two timeupdate events larger than this (seconds, at 1x) is a seek, not playing.
  var MAX_STEP = 2.5;

  var article = document.querySelector("[data-lesson]");
  if (!article) return;
  var lessonId = parseInt(article.getAttribute("data-lesson-id"), 10);
  var progressUrl = article.getAttribute("data-progress-url");
  var signedIn = article.hasAttribute("data-signed-in");
  var csrfInput = document.querySelector("[data-progress-csrf] input[name=csrfmiddlewaretoken]");
  var csrfToken = csrfInput ? csrfInput.value : "";

  var container = article.querySelector("[data-media-player]");
  var media = null;
  var ranges = [];        // [[start, end], ...] played on this page, merged
  var current = null;     // the range being extended while playing
  var lastTime = null;
  var dirty = false;
  var timer = null;
  var started = false;  // the start heartbeat has been sent
  var pending = null;     // the heartbeat in flight (a promise settled when the server has answered)
  // Following a link waits at most this long for the heartbeat in flight before navigating anyway.
  var FLUSH_MS = 3000;

  function mergeRanges(list) {
    list.sort(function (a, b) { return a[0] - b[0]; });
    var out = [];
    list.forEach(function (r) {
      var last = out[out.length - 1];
      if (last && r[0] <= last[1] + 0.5) { last[1] = Math.max(last[1], r[1]); }
      else { out.push([r[0], r[1]]); }
    });
    return out;
  }

  function onTimeUpdate() {
    if (!media || media.seeking) return;
    var now = media.currentTime;
    var step = now - lastTime;
    var rate = media.playbackRate || 1;
    if (lastTime !== null && !media.paused && step > 0 && step <= MAX_STEP * rate) {
      if (!current) { current = [lastTime, now]; ranges.push(current); }
      current[1] = now;
      dirty = true;
    } else {
      current = null;
    }
    lastTime = now;
  }

  function onSeeking() { current = null; lastTime = media ? media.currentTime : null; }

  function payload() {
    ranges = mergeRanges(ranges);
    current = null;
    return {
      lesson: lessonId,
      position: media ? Math.floor(media.currentTime) : 0,
      duration: media && isFinite(media.duration) ? media.duration : null,
      ranges: ranges.map(function (r) { return [Math.round(r[0] * 10) / 10, Math.round(r[1] * 10) / 10]; })
    };
  }

  function sendHeartbeat() {
    if (!signedIn || !media) return;
    var body = JSON.stringify(payload());
    dirty = false;
    var sent = fetch(progressUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: body,
      keepalive: true
    }).then(function (response) {
      if (!response.ok) return { ok: false };
      return response.json().then(function (data) {
        // Seconds over what real time allows are dropped by the server; we keep every range
        // played on this page, so sending them again later brings them in.
        if (data.dropped_seconds > 0) dirty = true;
        return { ok: true, accepted: data.accepted_seconds, dropped: data.dropped_seconds };
      }, function () { return { ok: true }; });
    }).then(function (detail) {
      article.dispatchEvent(new CustomEvent("dangke:progress-saved", { bubbles: true, detail: detail }));
    }).catch(function () { dirty = true; });
    pending = sent;
    sent.then(function () { if (pending === sent) pending = null; });
    return sent;
  }

  // Before leaving through a link: save what was played and let the heartbeat in flight arrive, so
  // the next page is served from the saved progress. A keepalive fetch survives the navigation, but
  // nothing orders it before the next page's request on the server.
  function flushBeforeLeaving(event) {
    if (!signedIn || !media || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || link.hasAttribute("download") || (link.target && link.target !== "_self")) return;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) return;
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return;
    if (dirty) { onTimeUpdate(); sendHeartbeat(); }
    if (!pending) return;
    event.preventDefault();
    var left = false;
    function leave() { if (!left) { left = true; window.location.assign(url.href); } }
    pending.then(leave, leave);
    window.setTimeout(leave, FLUSH_MS);
  }

  function sendBeacon() {
    if (!signedIn || !media || !navigator.sendBeacon) return;
    var form = new FormData();
    form.append("csrfmiddlewaretoken", csrfToken);
    form.append("payload", JSON.stringify(payload()));
    navigator.sendBeacon(progressUrl, form);
    dirty = false;
  }

  function onPlay() {
    lastTime = media.currentTime;
    // The server counts at most real time since the last heartbeat: tell it when playing starts.
    if (!started) { started = true; sendHeartbeat(); }
    if (!timer) timer = window.setInterval(function () { if (dirty) sendHeartbeat(); }, HEARTBEAT_MS);
  }

  function onPause() {
    onTimeUpdate();
    current = null;
    if (timer) { window.clearInterval(timer); timer = null; }
    sendHeartbeat();
  }

  function attach(element) {
    if (media === element) return;
    if (media) {
      media.removeEventListener("timeupdate", onTimeUpdate);
      media.removeEventListener("seeking", onSeeking);
      media.removeEventListener("play", onPlay);
      media.removeEventListener("pause", onPause);
    }
    media = element;
    current = null;
    lastTime = media.currentTime;
    media.addEventListener("timeupdate", onTimeUpdate);
    media.addEventListener("seeking", onSeeking);
    media.addEventListener("play", onPlay);
    media.addEventListener("pause", onPause);
    if (!media.paused) onPlay();
  }

  document.addEventListener("dangke:player-ready", function (event) {
    if (!article.contains(event.target) || !event.detail || !event.detail.media) return;
    container = event.target.closest("[data-media-player]") || event.target;
    attach(event.detail.media);
  });

  // The player may have become ready before this script ran (both are deferred scripts).
  if (container && container.dangkePlayer && container.dangkePlayer.media) attach(container.dangkePlayer.media);

  function seek(seconds) {
    if (container && container.dangkePlayer) { container.dangkePlayer.seek(seconds); }
    else if (media) { media.currentTime = seconds; }
    var element = (container && container.dangkePlayer && container.dangkePlayer.media) || media;
    if (element && element.paused) {
      var played = element.play();
      if (played && played.catch) played.catch(function () {});
    }
  }

  article.addEventListener("click", function (event) {
    var button = event.target.closest("[data-lesson-seek]");
    if (!button) return;
    event.preventDefault();
    seek(parseFloat(button.getAttribute("data-lesson-seek")) || 0);
    if (button.hasAttribute("data-resume")) button.closest(".lesson__resume").hidden = true;
  });

  document.addEventListener("click", flushBeforeLeaving);
  window.addEventListener("pagehide", function () { if (dirty) sendBeacon(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty) sendBeacon();
  });

  // Follow the transcript: mark the cue being spoken.
  var cues = Array.prototype.slice.call(article.querySelectorAll("[data-cue-start]"));
  if (cues.length) {
    document.addEventListener("timeupdate", function (event) {
      if (event.target !== media) return;
      var now = media.currentTime, active = null;
      cues.forEach(function (cue) { if (parseFloat(cue.getAttribute("data-cue-start")) <= now) active = cue; });
      cues.forEach(function (cue) { if (cue === active) cue.setAttribute("aria-current", "true"); else cue.removeAttribute("aria-current"); });
    }, true);
  }
}());
