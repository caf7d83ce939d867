// Live alerts: a server-sent event per new alert shows a banner, plays a short beep (Web Audio API)
// and, on the alert list, adds the row at the top without a reload.
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var audio = null;
  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") { audio.resume(); }
      [0, 0.25].forEach(function (offset) {
        var tone = audio.createOscillator(), gain = audio.createGain();
        tone.type = "square"; tone.frequency.value = 880;
        gain.gain.setValueAtTime(0.15, audio.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + offset + 0.2);
        tone.connect(gain); gain.connect(audio.destination);
        tone.start(audio.currentTime + offset); tone.stop(audio.currentTime + offset + 0.2);
      });
    } catch (error) { /* no audio device: the banner still shows */ }
  }
  function text(tag, value) { var node = document.createElement(tag); node.textContent = value; return node; }
  function banner(alert) {
    var box = document.getElementById("live-alert-banner");
    if (!box) {
      box = document.createElement("div");
      box.id = "live-alert-banner"; box.className = "live-alert"; box.setAttribute("role", "alert");
      document.body.insertBefore(box, document.body.firstChild);
    }
    box.textContent = "";
    box.appendChild(text("strong", "HOTLIST ALERT: " + alert.plate));
    box.appendChild(text("span", " · " + alert.hotlist + " · " + alert.category.replace(/_/g, " ") +
      " · " + alert.camera + (alert.state_mismatch ? " · STATE DIFFERS" : "") + " · "));
    var link = text("a", "Open alert"); link.href = alert.url; box.appendChild(link);
    box.appendChild(text("span", " Confirm visually and through CLETS before any enforcement."));
  }
  function addRow(alert) {
    var table = document.querySelector("#alert-table tbody");
    if (!table || table.querySelector('[data-alert-id="' + alert.id + '"]')) { return; }
    var empty = table.querySelector("tr.empty"); if (empty) { empty.remove(); }
    var row = document.createElement("tr"); row.dataset.alertId = alert.id; row.className = "new-alert";
    var plate = document.createElement("td"), link = text("a", alert.plate); link.href = alert.url;
    plate.appendChild(link);
    row.appendChild(text("td", alert.captured_at.replace("T", " ").slice(0, 19) + " UTC"));
    row.appendChild(plate);
    [alert.entry_plate, alert.hotlist, alert.category.replace(/_/g, " "),
     alert.match_kind + (alert.state_mismatch ? " state differs" : ""), alert.camera, "unverified"]
      .forEach(function (value) { row.appendChild(text("td", value)); });
    table.insertBefore(row, table.firstChild);
  }
  var source = new EventSource("/alerts/stream");
  source.addEventListener("alert", function (event) {
    var alert = JSON.parse(event.data);
    banner(alert); addRow(alert); beep();
  });
})();
