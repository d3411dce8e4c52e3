// SLA clocks on the ticket page count down in the browser: a running
// clock in working time loses a minute each minute, and turns overdue
// (red) the moment its due time passes. The server's figures are business
// minutes; outside working time a clock stands still (no data-counting).
(function () {
  "use strict";
  var loaded = Date.now();
  function words(n) {
    if (n < 60) return n + " min";
    if (n < 1440) return Math.floor(n / 60) + " h " + String(n % 60).padStart(2, "0") + " min";
    return Math.floor(n / 1440) + " d " + Math.floor((n % 1440) / 60) + " h";
  }
  function tick() {
    var now = Date.now();
    var passed = Math.floor((now - loaded) / 60000);
    document.querySelectorAll(".sla-clock[data-counting]").forEach(function (li) {
      var left = li.querySelector(".sla-left");
      var due = li.dataset.due ? Date.parse(li.dataset.due) : NaN;
      var remaining = parseInt(li.dataset.remaining, 10) - passed;
      var overdue = parseInt(li.dataset.overdue, 10);
      if (overdue > 0) {
        overdue += passed;
      } else if (!isNaN(due) && now >= due) {
        overdue = Math.max(Math.floor((now - due) / 60000), 0);
      }
      if (overdue > 0 || (!isNaN(due) && now >= due)) {
        li.classList.add("sla-overdue");
        left.textContent = words(overdue) + " overdue";
      } else {
        left.textContent = words(Math.max(remaining, 0)) + " left";
      }
    });
  }
  tick();
  setInterval(tick, 1000);
})();
