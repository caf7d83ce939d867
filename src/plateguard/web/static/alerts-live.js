// Live alerts on every console page: a server-sent event per new alert shows a banner under the top bar,
// plays a short beep (Web Audio API; the officer can turn it off) and, when the officer allowed it, a
// desktop notification. On the unfiltered alert list the row the server rendered is added at the top.
(function () {
  "use strict";
  if (!window.EventSource) { return; }
  var SOUND_KEY = "plateguard.alertSound";
  var audio = null;
  var soundButton = document.getElementById("alert-sound");
  var notifyButton = document.getElementById("alert-notify");

  function soundOn() { return window.localStorage.getItem(SOUND_KEY) !== "off"; }
  function showSound() {
    if (!soundButton) { return; }
    soundButton.textContent = "Alert sound: " + (soundOn() ? "on" : "off");
    soundButton.setAttribute("aria-pressed", soundOn() ? "true" : "false");
  }
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      window.localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on");
      showSound();
    });
    showSound();
  }
  function showNotify() {
    if (!notifyButton || !("Notification" in window)) { return; }
    notifyButton.hidden = Notification.permission !== "default";
  }
  if (notifyButton && "Notification" in window) {
    notifyButton.addEventListener("click", function () {
      Notification.requestPermission().then(showNotify);
    });
    showNotify();
  }

  function beep() {
    if (!soundOn()) { return; }
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
  function summary(alert) {
    return alert.hotlist + " · " + alert.category_label + " · " + alert.camera +
      (alert.state_mismatch ? " · STATE DIFFERS" : "");
  }
  function banner(alert) {
    var box = document.getElementById("live-alert-banner");
    if (!box) {
      box = document.createElement("div");
      box.id = "live-alert-banner"; box.className = "live-alert"; box.setAttribute("role", "alert");
      var header = document.querySelector("header.topbar");
      header.parentNode.insertBefore(box, header.nextSibling);
    }
    box.textContent = "";
    box.appendChild(text("strong", "HOTLIST ALERT: " + alert.plate));
    box.appendChild(text("span", " · " + summary(alert) + " · "));
    var link = text("a", "Open alert"); link.href = alert.url; box.appendChild(link);
    box.appendChild(text("span", " Confirm visually and through CLETS before any enforcement. "));
    var close = text("button", "Dismiss"); close.type = "button"; close.className = "link-button";
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(close);
  }
  function notify(alert) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    try {
      var note = new Notification("Hotlist alert: " + alert.plate, { body: summary(alert), tag: alert.id });
      note.onclick = function () { window.focus(); window.location.href = alert.url; };
    } catch (error) { /* notifications unavailable in this context: the banner still shows */ }
  }
  function addRow(alert) {
    var table = document.getElementById("alert-table");
    if (!table || table.dataset.live !== "on" || table.querySelector('[data-alert-id="' + alert.id + '"]')) {
      return;
    }
    var body = table.querySelector("tbody");
    var empty = body.querySelector("tr.empty"); if (empty) { empty.remove(); }
    // The row is the server's rendering of the list page's own row template (escaped there).
    var holder = document.createElement("tbody");
    holder.innerHTML = alert.row;
    var row = holder.querySelector("tr");
    if (row) { row.classList.add("new-alert"); body.insertBefore(row, body.firstChild); }
  }
  // The browser reconnects a dropped stream by itself; it gives up only when the server refuses it
  // (signed out, idle too long, account or access changed). Alerts must never stop without a word.
  function stopped() {
    if (document.getElementById("live-alert-stopped")) { return; }
    var box = document.createElement("div");
    box.id = "live-alert-stopped"; box.className = "live-alert live-alert-stopped"; box.setAttribute("role", "alert");
    box.appendChild(text("strong", "LIVE ALERTS STOPPED"));
    box.appendChild(text("span", " You are signed out (no activity, signed out elsewhere, or your access changed)" +
      " and this screen no longer receives hotlist alerts. "));
    var link = text("a", "Sign in again"); link.href = "/login"; box.appendChild(link);
    var header = document.querySelector("header.topbar");
    header.parentNode.insertBefore(box, header.nextSibling);
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification("Live alerts stopped", { body: "Sign in again to receive hotlist alerts." }); }
      catch (error) { /* the banner still shows */ }
    }
  }
  var source = new EventSource("/alerts/stream");
  source.addEventListener("alert", function (event) {
    var alert = JSON.parse(event.data);
    banner(alert); addRow(alert); beep(); notify(alert);
  });
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) { stopped(); }
  });
})();
