// The alert's position on a Leaflet map. No tile server is contacted (locations stay on this system):
// the map shows the marker and a scale; a department may add its own tile layer here.
(function () {
  "use strict";
  var element = document.getElementById("alert-map");
  if (!element || typeof L === "undefined") { return; }
  var position = [parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)];
  var map = L.map(element, { attributionControl: false }).setView(position, 16);
  L.circleMarker(position, { radius: 10, color: "#b42318", weight: 3 }).addTo(map)
    .bindTooltip("Read location", { permanent: true });
  L.control.scale().addTo(map);
})();
