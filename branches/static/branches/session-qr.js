// The secretary's QR sign-in page: fetches the current code (it changes every BRANCHES_QR_PERIOD
// seconds) and the number signed in, twice per period. Without this script the page shows the code
// it was loaded with.
(function () {
  "use strict";
  var root = document.querySelector("[data-qr-url]");
  if (!root || !window.fetch) return;
  var seconds = parseInt(root.dataset.refresh, 10) || 15;
  var closedText = "当前不在签到时间内（会前30分钟至会议结束）。";
  function refresh() {
    fetch(root.dataset.qrUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var box = document.getElementById("qr-code");
        if (data.open) {
          box.innerHTML = data.svg; // the server's own SVG of the sign-in URL
        } else {
          var p = document.createElement("p");
          p.textContent = closedText;
          box.replaceChildren(p);
        }
        var link = document.getElementById("qr-link");
        link.href = data.url || "#";
        link.textContent = data.open ? "扫码不便时可打开此链接" : "";
        document.getElementById("qr-present").textContent = data.present;
      })
      .catch(function () { /* the next refresh tries again */ });
  }
  refresh();
  setInterval(refresh, seconds * 1000);
})();
