// Near me: asks for the browser's location only when the person presses the button.
(function () {
  "use strict";
  var button = document.querySelector("[data-locate]");
  var status = document.querySelector("[data-locate-status]");
  var form = document.querySelector(".near-form");
  if (!button || !form || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = "正在获取位置……";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        status.textContent = "已获取位置，正在查找附近的基地。";
        form.submit();
      },
      function () {
        status.textContent = "未能获取位置（可能未授权定位）。请直接填写经纬度。";
        form.elements.lat.focus();
      },
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
    );
  });
})();
