// Map of search results and the canvass area tools. Without a tile server the points show on a blank map.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var points = JSON.parse(document.getElementById("map-points").textContent || "[]");
  var map = L.map(element, { zoomSnap: 0.25 });
  var tiles = element.dataset.tileUrl;
  if (tiles) { L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 }).addTo(map); }
  var why = element.dataset.why || "";
  var bounds = [];
  points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lon], { radius: 6, className: "read-marker", color: "#1f4e8c" });
    var link = document.createElement("a");
    link.href = "/reads/" + encodeURIComponent(p.id) + (why ? "?" + why : "");
    link.textContent = p.plate + " — " + p.at.replace("T", " ").slice(0, 19);
    marker.bindPopup(link);
    marker.addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  var field = function (id) { return document.getElementById(id); };
  var area = L.layerGroup().addTo(map);
  function drawArea() {
    area.clearLayers();
    var lat = parseFloat(field("center_lat") && field("center_lat").value);
    var lon = parseFloat(field("center_lon") && field("center_lon").value);
    if (isNaN(lat) && element.dataset.addressLat) {  // a canvass around an address: its looked-up point
      lat = parseFloat(element.dataset.addressLat); lon = parseFloat(element.dataset.addressLon);
    }
    var metres = parseFloat(field("radius_m") && field("radius_m").value);
    if (!isNaN(lat) && !isNaN(lon) && metres > 0) {
      L.circle([lat, lon], { radius: metres, className: "canvass-area" }).addTo(area);
      bounds.push([lat, lon]);
    }
    var polygon = field("polygon") ? field("polygon").value : "";
    var vertices = polygon.split(";").map(function (pair) { return pair.split(",").map(parseFloat); })
      .filter(function (pair) { return pair.length === 2 && !isNaN(pair[0]) && !isNaN(pair[1]); });
    if (vertices.length >= 2) { L.polygon(vertices, { className: "canvass-area" }).addTo(area); }
    vertices.forEach(function (v) { bounds.push(v); });
  }
  drawArea();
  if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 }); }
  else { map.setView([37.8, -121.23], 12); }
  var mode = null;
  map.on("click", function (event) {
    var lat = event.latlng.lat.toFixed(6), lon = event.latlng.lng.toFixed(6);
    if (mode === "radius") {
      field("center_lat").value = lat; field("center_lon").value = lon;
      if (!field("radius_m").value) { field("radius_m").value = "1000"; }
      field("polygon").value = ""; mode = null;
    } else if (mode === "polygon") {
      field("center_lat").value = ""; field("center_lon").value = ""; field("radius_m").value = "";
      var current = field("polygon").value.trim();
      field("polygon").value = (current ? current + "; " : "") + lat + "," + lon;
    }
    drawArea();
  });
  function button(id, handler) { var b = field(id); if (b) { b.addEventListener("click", handler); } }
  button("draw-radius", function () { mode = "radius"; });
  button("draw-polygon", function () { mode = "polygon"; field("polygon").value = ""; drawArea(); });
  button("clear-area", function () {
    mode = null;
    ["center_lat", "center_lon", "radius_m", "polygon"].forEach(function (id) { field(id).value = ""; });
    drawArea();
  });
})();
