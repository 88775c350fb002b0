// Route map: Leaflet over the server-drawn SVG schematic. The schematic is always in the page; the
// map appears only once a tile has really loaded (offline or blocked tiles leave the schematic alone).
// Coordinates arrive already converted to the tile server's datum (see routes/services/routes.py).
(function () {
  "use strict";
  var container = document.querySelector("[data-route-map]");
  var dataNode = document.getElementById("route-map-data");
  if (!container || !dataNode || !window.L) return;
  var data = JSON.parse(dataNode.textContent);
  if (!data.stops || !data.stops.length) return;

  var frame = container.parentNode;
  frame.setAttribute("data-map-state", "loading");
  container.hidden = false;
  var map = L.map(container, { scrollWheelZoom: false });
  var latlngs = data.stops.map(function (s) { return [s.lat, s.lon]; });
  var tilesLoaded = 0;

  function giveUp() {
    if (tilesLoaded > 0) return;
    frame.setAttribute("data-map-state", "unavailable");
    container.hidden = true;
  }

  var tiles = L.tileLayer(data.tileUrl, {
    attribution: data.attribution,
    subdomains: data.subdomains || "abc",
    maxZoom: data.maxZoom || 18
  });
  tiles.on("tileload", function () {
    tilesLoaded += 1;
    frame.setAttribute("data-map-state", "ready");
  });
  tiles.on("load", function () { if (!tilesLoaded) giveUp(); });
  tiles.addTo(map);
  window.setTimeout(giveUp, 10000);

  if (latlngs.length > 1) {
    L.polyline(latlngs, { color: "#b71c1c", weight: 4, opacity: 0.85, dashArray: "8 6" }).addTo(map);
  }
  data.stops.forEach(function (stop) {
    var icon = L.divIcon({
      className: "route-map__marker",
      html: "<span>" + stop.number + "</span>",
      iconSize: [28, 28],
      iconAnchor: [14, 14]
    });
    var marker = L.marker([stop.lat, stop.lon], { icon: icon, title: stop.number + ". " + stop.name, keyboard: true });
    var link = document.createElement("a");
    link.href = stop.url;
    link.textContent = stop.number + ". " + stop.name;
    marker.bindPopup(link);
    marker.addTo(map);
  });
  if (latlngs.length === 1) {
    map.setView(latlngs[0], 14);
  } else {
    map.fitBounds(L.latLngBounds(latlngs), { padding: [30, 30] });
  }
})();
