// Map of search results, timelines and the canvass area tools.
// Without a tile server (the default: locations stay on this system) the map still orients the user:
// camera positions, the county's address points once zoomed in, a scale, and zoom kept to the area.
// Reads are clustered (Leaflet.markercluster); a timeline joins its reads in time order.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  function json(id) { var node = document.getElementById(id); return node ? JSON.parse(node.textContent || "[]") : []; }
  var points = json("map-points"), cameras = json("map-cameras");
  var tiles = element.dataset.tileUrl;
  var map = L.map(element, { zoomSnap: 0.25, maxZoom: 19 });
  if (tiles) {
    L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: true, metric: true }).addTo(map);
  var why = element.dataset.why || "";
  var timeline = element.dataset.path === "time";
  var bounds = [];

  var cameraLayer = L.layerGroup().addTo(map);
  cameras.forEach(function (c) {
    var icon = L.divIcon({ className: "camera-icon", iconSize: [14, 14] });
    L.marker([c.lat, c.lon], { icon: icon, title: c.name, keyboard: false })
      .bindTooltip(c.name, { permanent: true, direction: "top", className: "camera-label", offset: [0, -22] })
      .addTo(cameraLayer);
  });

  var ordered = points.slice();
  if (timeline) { ordered.sort(function (a, b) { return a.at < b.at ? -1 : a.at > b.at ? 1 : 0; }); }
  var reads = L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false });
  ordered.forEach(function (p, index) {
    var label = timeline ? String(index + 1) : "";
    var icon = L.divIcon({ className: "read-icon", html: label, iconSize: [20, 20] });
    var marker = L.marker([p.lat, p.lon], { icon: icon, title: p.plate });
    var link = document.createElement("a");
    link.href = "/reads/" + encodeURIComponent(p.id) + (why ? "?" + why : "");
    link.textContent = (timeline ? label + ". " : "") + p.plate + " — " + (p.local || p.at.replace("T", " ").slice(0, 19));
    marker.bindPopup(link);
    reads.addLayer(marker);
    bounds.push([p.lat, p.lon]);
  });
  map.addLayer(reads);
  if (timeline && ordered.length > 1) {
    L.polyline(ordered.map(function (p) { return [p.lat, p.lon]; }), { className: "timeline-path", weight: 3 })
      .addTo(map);
  }

  var addressLayer = L.layerGroup().addTo(map);
  var ADDRESS_ZOOM = 14;
  function loadAddresses() {
    if (map.getZoom() < ADDRESS_ZOOM) { addressLayer.clearLayers(); return; }
    var b = map.getBounds();
    var query = "south=" + b.getSouth().toFixed(5) + "&west=" + b.getWest().toFixed(5) +
      "&north=" + b.getNorth().toFixed(5) + "&east=" + b.getEast().toFixed(5);
    fetch("/api/places/address-points?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { points: [] }; })
      .then(function (body) {
        addressLayer.clearLayers();
        body.points.forEach(function (a) {
          L.circleMarker([a.lat, a.lon], { radius: 4, className: "address-point", weight: 1 })
            .bindTooltip(a.address).addTo(addressLayer);
        });
      })
      .catch(function () { /* address points are a help, not needed for the search */ });
  }
  map.on("moveend", loadAddresses);
  L.control.layers(null, { "Reads": reads, "Cameras": cameraLayer, "Address points (zoom in)": addressLayer },
    { collapsed: true }).addTo(map);

  var field = function (id) { return document.getElementById(id); };
  var area = L.layerGroup().addTo(map);
  var areaBounds = null;
  function drawArea() {
    area.clearLayers(); areaBounds = null;
    var lat = parseFloat(field("center_lat") && field("center_lat").value);
    var lon = parseFloat(field("center_lon") && field("center_lon").value);
    if (isNaN(lat) && element.dataset.addressLat) {  // a canvass around an address: its looked-up point
      lat = parseFloat(element.dataset.addressLat); lon = parseFloat(element.dataset.addressLon);
    }
    var meters = parseFloat(field("radius_m") && field("radius_m").value);
    if (!isNaN(lat) && !isNaN(lon) && meters > 0) {
      L.circle([lat, lon], { radius: meters, className: "canvass-area" }).addTo(area);
      L.circleMarker([lat, lon], { radius: 5, className: "canvass-center" })
        .bindTooltip(element.dataset.addressLat ? "Canvass: " + (field("address").value || "address") : "Canvass center",
          { permanent: true, direction: "bottom", offset: [0, 22] }).addTo(area);
      areaBounds = L.latLng(lat, lon).toBounds(2 * meters);  // the map may have no view yet
    }
    var polygon = field("polygon") ? field("polygon").value : "";
    var vertices = polygon.split(";").map(function (pair) { return pair.split(",").map(parseFloat); })
      .filter(function (pair) { return pair.length === 2 && !isNaN(pair[0]) && !isNaN(pair[1]); });
    if (vertices.length >= 2) {
      L.polygon(vertices, { className: "canvass-area" }).addTo(area);
      areaBounds = L.latLngBounds(vertices);
    }
  }
  drawArea();

  // Zoom: the results and the canvass area whole, with a margin; else the cameras' area.
  var view = L.latLngBounds(bounds);
  if (areaBounds) { view.extend(areaBounds); }
  if (!view.isValid()) { view = L.latLngBounds(cameras.map(function (c) { return [c.lat, c.lon]; })); }
  if (view.isValid()) { map.fitBounds(view.pad(0.1), { maxZoom: 16 }); }
  else { map.setView([37.8, -121.23], 12); }
  if (!tiles) {
    // Nothing to see beyond the cameras and results without tiles: keep the view near them.
    var home = L.latLngBounds(cameras.map(function (c) { return [c.lat, c.lon]; }));
    if (view.isValid()) { home.extend(view); }
    if (home.isValid()) {
      map.setMaxBounds(home.pad(1.5));
      map.setMinZoom(Math.max(map.getBoundsZoom(home.pad(1.5)) - 1, 3));
    }
  }
  loadAddresses();

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
