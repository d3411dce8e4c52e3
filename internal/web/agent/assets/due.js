// Live SLA due times: every element with data-due (an RFC 3339 instant)
// and optionally data-warn shows "in 2 h 10 m" or "overdue 35 m" and the
// class due-on_track, due-at_risk or due-breached. It is re-rendered every
// 30 seconds and at the next warning or due instant, so a row turns amber
// and red without a reload; rows the live list swaps in are picked up on
// the next render. The words match the server's (queue_due.go).
(function () {
  "use strict";
  var states = ["on_track", "at_risk", "breached"];
  function span(ms) {
    var m = Math.floor(ms / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), mm = m % 60;
    if (m < 1) return "<1 m";
    if (d > 0) return h > 0 ? d + " d " + h + " h" : d + " d";
    if (h > 0) return mm > 0 ? h + " h " + mm + " m" : h + " h";
    return mm + " m";
  }
  function render() {
    var now = Date.now(), next = 30000;
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due")), warn = Date.parse(el.getAttribute("data-warn") || "");
      if (isNaN(due)) return;
      var state = now >= due ? "breached" : (now >= warn ? "at_risk" : "on_track");
      el.textContent = now < due ? "in " + span(due - now) : "overdue " + span(now - due);
      states.forEach(function (s) { el.classList.toggle("due-" + s, s === state); });
      [warn, due].forEach(function (t) { if (t > now && t - now < next) next = t - now; });
    });
    setTimeout(render, next + 50);
  }
  render();
})();
