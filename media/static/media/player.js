/* Dangke lesson player: hls.js where Media Source Extensions exist, native HLS on Safari/iOS,
   the progressive MP4 elsewhere (WeChat's in-app browser), a listen-only mode with the m4a,
   speed control and storyboard previews on the seek bar.
   Contract: the container [data-media-player] receives a bubbling "dangke:player-ready" event
   (detail.media = the element now playing) after start-up and after every mode switch, and
   exposes container.dangkePlayer = {media, seek(seconds)}. */
(function () {
  "use strict";

  function isWeChat() {
    return /MicroMessenger/i.test(navigator.userAgent);
  }

  function formatTime(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)), ss = String(s).padStart(2, "0");
    return (h ? h + ":" : "") + mm + ":" + ss;
  }

  function spokenTime(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + " 小时 " : "") + m + " 分 " + s + " 秒";
  }

  function parseVttTime(text) {
    var parts = text.trim().split(":").map(parseFloat);
    var seconds = 0;
    for (var i = 0; i < parts.length; i++) seconds = seconds * 60 + parts[i];
    return seconds;
  }

  function loadStoryboard(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error("storyboard " + response.status);
      return response.text();
    }).then(function (text) {
      var cues = [], blocks = text.replace(/\r/g, "").split("\n\n");
      blocks.forEach(function (block) {
        var lines = block.trim().split("\n");
        var timing = lines.find(function (line) { return line.indexOf("-->") !== -1; });
        if (!timing) return;
        var target = lines[lines.indexOf(timing) + 1] || "";
        var times = timing.split("-->");
        var hash = target.split("#xywh=");
        if (hash.length !== 2) return;
        var box = hash[1].split(",").map(Number);
        cues.push({start: parseVttTime(times[0]), end: parseVttTime(times[1]),
                   src: new URL(hash[0], new URL(url, location.href)).href,
                   x: box[0], y: box[1], w: box[2], h: box[3]});
      });
      return cues;
    });
  }

  function Player(container) {
    this.container = container;
    this.video = container.querySelector("video");
    this.audio = container.querySelector("audio");
    this.range = container.querySelector("[data-seek]");
    this.preview = container.querySelector("[data-preview]");
    this.notice = container.querySelector("[data-player-notice]");
    this.speed = container.querySelector("[data-speed]");
    this.toggle = container.querySelector("[data-listen-toggle]");
    this.hls = null;
    this.cues = [];
    this.seeking = false;
    this.media = this.video || this.audio;
    var start = parseFloat(container.dataset.start || "0") || 0;
    this.attach(this.media, start, false);
    this.bind();
    if (container.dataset.storyboard) {
      var self = this;
      loadStoryboard(container.dataset.storyboard).then(function (cues) { self.cues = cues; })
        .catch(function () { self.cues = []; });
    }
    var api = this;
    container.dangkePlayer = {
      get media() { return api.media; },
      seek: function (seconds) { api.seek(seconds); },
      get mode() { return api.media === api.audio && api.video ? "listen" : "watch"; }
    };
    this.announceWhenPageReady();
  }

  // The first "ready" waits until the page's other scripts (deferred ones, DOMContentLoaded
  // handlers) have run, so a lesson page's listener never misses it.
  Player.prototype.announceWhenPageReady = function () {
    var self = this, done = false;
    function go() {
      if (done) return;
      done = true;
      window.setTimeout(function () { self.announce(); }, 0);
    }
    if (document.readyState === "complete") go();
    else {
      document.addEventListener("DOMContentLoaded", go);
      window.addEventListener("load", go);
    }
  };

  Player.prototype.say = function (text) {
    if (this.notice) this.notice.textContent = text;
  };

  // hls.js (~400 KB) is fetched only where it is needed: HLS through Media Source Extensions. Safari and
  // iOS play HLS natively, the WeChat browser gets the MP4; neither downloads it.
  var HLS_JS_URL = (document.currentScript && document.currentScript.dataset.hlsJs) || "";
  var HLS_JS_NONCE = (document.currentScript && document.currentScript.nonce) || "";
  var hlsJsLoading = null;

  function mseCanPlayHls() {
    var MS = window.ManagedMediaSource || window.MediaSource;
    return !!(MS && MS.isTypeSupported && MS.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'));
  }

  function loadHlsJs() {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!HLS_JS_URL) return Promise.reject(new Error("no hls.js"));
    if (!hlsJsLoading) {
      hlsJsLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = HLS_JS_URL;
        if (HLS_JS_NONCE) script.nonce = HLS_JS_NONCE;
        script.onload = function () { return window.Hls ? resolve(window.Hls) : reject(new Error("no Hls")); };
        script.onerror = function () { hlsJsLoading = null; reject(new Error("hls.js failed to load")); };
        document.head.appendChild(script);
      });
    }
    return hlsJsLoading;
  }

  Player.prototype.setUpVideoSource = function () {
    var video = this.video, data = this.container.dataset, self = this;
    var nativeHls = !!video.canPlayType("application/vnd.apple.mpegurl");
    function fallBack() {
      if (data.hls && !isWeChat() && nativeHls) {
        video.src = data.hls;
        self.container.dataset.engine = "native-hls";
      } else if (data.mp4) {
        video.src = data.mp4;
        self.container.dataset.engine = "mp4";
      }
    }
    if (!(data.hls && !isWeChat() && mseCanPlayHls())) { fallBack(); return; }
    this.container.dataset.engine = "loading";
    loadHlsJs().then(function (Hls) {
      if (!Hls.isSupported()) { fallBack(); return; }
      self.hls = new Hls({capLevelToPlayerSize: true, startLevel: -1});
      self.hls.on(Hls.Events.ERROR, function (event, info) {
        if (!info.fatal) return;
        if (info.type === Hls.ErrorTypes.NETWORK_ERROR) {
          self.say("网络不稳定，正在重试……");
          self.hls.startLoad();
        } else if (info.type === Hls.ErrorTypes.MEDIA_ERROR) {
          self.hls.recoverMediaError();
        } else if (data.mp4) {
          self.hls.destroy();
          self.hls = null;
          video.src = data.mp4;
        }
      });
      self.hls.loadSource(data.hls);
      self.hls.attachMedia(video);
      self.container.dataset.engine = "hls.js";
    }).catch(fallBack);
  };

  Player.prototype.attach = function (media, startAt, play) {
    var self = this;
    if (media === this.video && !this.videoReady) {
      this.setUpVideoSource();
      this.videoReady = true;
    }
    if (media === this.audio && !media.getAttribute("src") && this.container.dataset.audio) {
      media.src = this.container.dataset.audio;
    }
    if (media === this.audio) media.preload = "metadata";
    media.playbackRate = this.speed ? parseFloat(this.speed.value) : 1;
    var apply = function () {
      if (startAt > 0 && Math.abs(media.currentTime - startAt) > 0.5) {
        try { media.currentTime = startAt; } catch (e) { /* not seekable yet */ }
      }
      if (play) {
        var promise = media.play();
        if (promise && promise.catch) promise.catch(function () {});
      }
    };
    if (media.readyState >= 1) apply();
    else media.addEventListener("loadedmetadata", apply, {once: true});
  };

  Player.prototype.announce = function () {
    this.container.dispatchEvent(new CustomEvent("dangke:player-ready", {
      bubbles: true, detail: {media: this.media, recordingId: this.container.dataset.recordingId}
    }));
  };

  Player.prototype.seek = function (seconds) {
    var media = this.media, target = Math.max(0, Number(seconds) || 0);
    if (media.readyState >= 1) media.currentTime = target;
    else media.addEventListener("loadedmetadata", function () { media.currentTime = target; }, {once: true});
  };

  Player.prototype.switchMode = function () {
    if (!this.video || !this.audio) return;
    var from = this.media, to = from === this.video ? this.audio : this.video;
    var position = from.currentTime, playing = !from.paused;
    from.pause();
    from.hidden = true;
    to.hidden = false;
    this.media = to;
    var listening = to === this.audio;
    this.toggle.setAttribute("aria-pressed", listening ? "true" : "false");
    this.toggle.textContent = listening ? "返回视频" : "只听声音";
    this.container.classList.toggle("media-player--listening", listening);
    this.say(listening ? "已切换到只听声音，节省流量。" : "已切换到视频。");
    this.attach(to, position, playing);
    this.bindMedia(to);
    this.announce();
  };

  Player.prototype.updateRange = function () {
    if (!this.range || this.seeking) return;
    var media = this.media;
    if (media.duration && isFinite(media.duration)) this.range.max = String(media.duration);
    this.range.value = String(media.currentTime);
    this.range.setAttribute("aria-valuetext", spokenTime(media.currentTime));
  };

  Player.prototype.showPreview = function (seconds) {
    if (!this.preview) return;
    var cue = null;
    for (var i = 0; i < this.cues.length; i++) {
      if (seconds >= this.cues[i].start && seconds < this.cues[i].end) { cue = this.cues[i]; break; }
    }
    var image = this.preview.querySelector("[data-preview-image]");
    if (cue) {
      image.style.width = cue.w + "px";
      image.style.height = cue.h + "px";
      image.style.backgroundImage = "url('" + cue.src + "')";
      image.style.backgroundPosition = (-cue.x) + "px " + (-cue.y) + "px";
      image.hidden = false;
    } else {
      image.hidden = true;
    }
    this.preview.querySelector("[data-preview-time]").textContent = formatTime(seconds);
    var max = parseFloat(this.range.max) || 1;
    this.preview.style.left = Math.min(100, Math.max(0, seconds / max * 100)) + "%";
    this.preview.hidden = false;
  };

  Player.prototype.hidePreview = function () {
    if (this.preview) this.preview.hidden = true;
  };

  Player.prototype.bindMedia = function (media) {
    if (media.dataset.bound) return;
    media.dataset.bound = "1";
    var self = this;
    media.addEventListener("timeupdate", function () { if (media === self.media) self.updateRange(); });
    media.addEventListener("loadedmetadata", function () { if (media === self.media) self.updateRange(); });
    media.addEventListener("error", function () {
      if (media === self.media) self.say("播放出错，请检查网络后重试。");
    });
  };

  Player.prototype.bind = function () {
    var self = this;
    if (this.video) this.bindMedia(this.video);
    if (this.audio) this.bindMedia(this.audio);
    if (this.toggle) this.toggle.addEventListener("click", function () { self.switchMode(); });
    if (this.speed) {
      this.speed.addEventListener("change", function () {
        var rate = parseFloat(self.speed.value) || 1;
        [self.video, self.audio].forEach(function (m) { if (m) m.playbackRate = rate; });
        self.say("播放速度 " + rate + " 倍");
      });
    }
    if (this.range) {
      var rangeTime = function (event) {
        var rect = self.range.getBoundingClientRect();
        var max = parseFloat(self.range.max) || 0;
        return Math.min(max, Math.max(0, (event.clientX - rect.left) / rect.width * max));
      };
      this.range.addEventListener("pointermove", function (event) { self.showPreview(rangeTime(event)); });
      this.range.addEventListener("pointerleave", function () { if (!self.seeking) self.hidePreview(); });
      this.range.addEventListener("input", function () {
        self.seeking = true;
        var seconds = parseFloat(self.range.value);
        self.range.setAttribute("aria-valuetext", spokenTime(seconds));
        self.showPreview(seconds);
      });
      this.range.addEventListener("change", function () {
        self.seeking = false;
        self.seek(parseFloat(self.range.value));
        self.hidePreview();
      });
      this.range.addEventListener("blur", function () { self.seeking = false; self.hidePreview(); });
    }
  };

  /* A live stream: hls.js (or native HLS) at the live edge, no seek bar or speed; "只听声音" loads
     the audio-only rendition into the same element. The WeChat browser gets native HLS where it has
     it (iOS), hls.js where it has Media Source Extensions (Android X5), else a clear message. */
  function LivePlayer(container) {
    this.container = container;
    this.video = container.querySelector("video");
    this.notice = container.querySelector("[data-player-notice]");
    this.toggle = container.querySelector("[data-listen-toggle]");
    this.media = this.video;
    this.hls = null;
    this.listening = false;
    var self = this;
    this.wantPlay = false;
    this.video.addEventListener("play", function () { self.wantPlay = true; });
    this.video.addEventListener("playing", function () { self.say(""); });
    this.load(container.dataset.hls);
    if (this.toggle) this.toggle.addEventListener("click", function () { self.switchMode(); });
    container.dangkePlayer = {
      get media() { return self.video; },
      seek: function () {},
      get mode() { return self.listening ? "listen" : "watch"; }
    };
    Player.prototype.announceWhenPageReady.call(this);
  }

  LivePlayer.prototype.say = Player.prototype.say;
  LivePlayer.prototype.announce = Player.prototype.announce;

  LivePlayer.prototype.load = function (url) {
    var video = this.video, self = this;
    this.url = url;
    if (this.hls) { this.hls.destroy(); this.hls = null; }
    var nativeHls = video.canPlayType("application/vnd.apple.mpegurl");
    if (window.Hls && window.Hls.isSupported() && !(isWeChat() && nativeHls)) {
      this.hls = new window.Hls({liveSyncDurationCount: 3, capLevelToPlayerSize: true});
      this.hls.on(window.Hls.Events.ERROR, function (event, info) {
        if (!info.fatal) return;
        if (info.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
          // No signal yet (the page opened before the encoder) or a dropped connection: load the
          // stream again from its playlist, as often as it takes.
          self.say("直播信号不稳定，正在重新连接……");
          var retryUrl = self.url, wasPlaying = !video.paused || self.wantPlay;
          window.setTimeout(function () {
            if (self.url !== retryUrl) return;
            self.load(retryUrl);
            if (wasPlaying) { var p = video.play(); if (p && p.catch) p.catch(function () {}); }
          }, 3000);
        } else if (info.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
          self.hls.recoverMediaError();
        }
      });
      this.hls.loadSource(url);
      this.hls.attachMedia(video);
      this.container.dataset.engine = "hls.js";
    } else if (nativeHls) {
      video.src = url;
      this.container.dataset.engine = "native-hls";
    } else {
      this.container.dataset.engine = "none";
      this.say("当前浏览器无法播放直播，请点右上角“在浏览器中打开”，或使用电脑观看。");
    }
  };

  LivePlayer.prototype.switchMode = function () {
    var data = this.container.dataset;
    this.listening = !this.listening;
    var playing = !this.video.paused;
    this.load(this.listening ? data.audioHls : data.hls);
    this.toggle.setAttribute("aria-pressed", this.listening ? "true" : "false");
    this.toggle.textContent = this.listening ? "返回视频" : "只听声音";
    this.container.classList.toggle("media-player--listening", this.listening);
    this.say(this.listening ? "已切换到只听声音，节省流量。" : "已切换到视频。");
    if (playing) {
      var promise = this.video.play();
      if (promise && promise.catch) promise.catch(function () {});
    }
    this.announce();
  };

  function initAll(root) {
    (root || document).querySelectorAll("[data-media-player]").forEach(function (container) {
      if (container.dangkePlayer || container.dataset.status) return;
      if (!container.querySelector("video, audio")) return;
      if (container.hasAttribute("data-live")) new LivePlayer(container);
      else new Player(container);
    });
  }

  window.DangkePlayer = {init: initAll};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { initAll(); });
  else initAll();
})();
