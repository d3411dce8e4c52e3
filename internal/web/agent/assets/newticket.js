// Docket New-ticket and phone-call form: shows the custom fields of the
// chosen type and category as they change (hidden fields are disabled, so
// they are neither sent nor required), the priority impact × urgency
// gives, and the resolution only for a call logged as resolved. Without
// this script the server still reads only the fields that apply.
(function () {
  "use strict";
  var form = document.getElementById("new-form");
  if (!form) return;
  var type = document.getElementById("n-type"), category = document.getElementById("n-category");
  var details = document.getElementById("n-details");

  function fields() {
    var chosen = type.value, cat = category.value.toLowerCase(), shown = 0;
    form.querySelectorAll(".cfield").forEach(function (f) {
      var t = f.getAttribute("data-type"), c = f.getAttribute("data-category").toLowerCase();
      var on = (!t || t === chosen) && (!c || c === cat);
      f.hidden = !on;
      if (on) shown++;
      f.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = !on;
        if (el.hasAttribute("data-required")) el.required = on;
      });
    });
    if (details) details.hidden = shown === 0;
  }

  // The ITIL matrix, as the server applies it (rows impact, columns
  // urgency, both high → low).
  var matrix = { high: ["p1", "p2", "p3"], medium: ["p2", "p3", "p4"], low: ["p3", "p4", "p4"] };
  var names = { p1: "critical", p2: "high", p3: "medium", p4: "low" };
  var rank = { high: 0, medium: 1, low: 2 };
  var impact = document.getElementById("n-impact"), urgency = document.getElementById("n-urgency");
  var auto = document.getElementById("n-priority-auto");
  function priority() {
    if (!auto) return;
    var i = impact.value, u = urgency.value;
    if (i && u) {
      var p = matrix[i][rank[u]];
      auto.textContent = p + " · " + names[p] + " (impact × urgency)";
    } else if (i || u) {
      auto.textContent = "Auto (choose both)";
    } else {
      auto.textContent = "Auto (impact × urgency)";
    }
  }

  var status = document.getElementById("n-status");
  function outcome() {
    if (!status) return;
    var closing = status.value === "resolved" || status.value === "closed";
    form.querySelectorAll(".when-resolved").forEach(function (el) {
      el.hidden = !closing;
      el.querySelectorAll("select, textarea").forEach(function (x) { x.disabled = !closing; });
    });
    var res = document.getElementById("n-resolution");
    if (res) res.required = closing;
  }

  type.addEventListener("change", fields);
  category.addEventListener("change", fields);
  if (impact && urgency) { impact.addEventListener("change", priority); urgency.addEventListener("change", priority); }
  if (status) status.addEventListener("change", outcome);
  fields(); priority(); outcome();

  // After a refused submission, start at the first field to fix.
  var bad = form.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
})();
