// The trigger form's rows, in place. Without this script the "Add" and
// "Remove" buttons post the form and it comes back with the row added or
// removed; rows are posted as parallel lists, so nothing is renumbered.
(function () {
  "use strict";
  var form = document.getElementById("trigger-form") || document.getElementById("time-rule-form") || document.getElementById("macro-form"); // time rules and macros reuse the rows
  if (!form) return;

  // Offer only the operators a condition's field allows (data-ops).
  function fitOps(row) {
    var field = row.querySelector(".trg-field");
    var op = row.querySelector(".trg-op");
    if (!field || !op) return;
    var chosen = field.options[field.selectedIndex];
    var ops = chosen && chosen.dataset.ops ? chosen.dataset.ops.split(" ") : null;
    var firstAllowed = null;
    Array.prototype.forEach.call(op.options, function (o) {
      var ok = !ops || ops.indexOf(o.value) >= 0;
      o.hidden = !ok;
      o.disabled = !ok;
      if (ok && !firstAllowed) firstAllowed = o;
    });
    if (op.selectedOptions[0] && op.selectedOptions[0].disabled && firstAllowed) firstAllowed.selected = true;
    var value = row.querySelector(".trg-value");
    if (value) value.closest(".trg-part").hidden = op.value === "changed";
  }

  // Show only the parts an action's kind uses (data-parts); every part
  // while none is chosen.
  function fitParts(row) {
    var type = row.querySelector(".trg-type");
    if (!type) return;
    var chosen = type.options[type.selectedIndex];
    var parts = chosen && chosen.value ? (chosen.dataset.parts || "").split(" ") : null;
    var field = row.querySelector('select[name="act.field"]');
    if (parts && field && field.value !== "status") {
      parts = parts.filter(function (p) { return p !== "resolution"; }); // only a status takes one
    }
    row.querySelectorAll("[data-part]").forEach(function (p) {
      var hasError = p.querySelector(".err") !== null;
      p.hidden = parts !== null && parts.indexOf(p.dataset.part) < 0 && !hasError;
    });
  }

  function fit(row) {
    fitOps(row);
    fitParts(row);
  }

  form.querySelectorAll(".trg-row").forEach(fit);

  form.addEventListener("change", function (e) {
    var row = e.target.closest(".trg-row");
    if (row) fit(row);
  });

  form.addEventListener("click", function (e) {
    var b = e.target.closest("button[name=edit]");
    if (!b) return;
    e.preventDefault();
    var group = b.closest("fieldset");
    if (b.classList.contains("trg-add")) {
      var tpl = group.querySelector("template.trg-blank");
      var row = tpl.content.firstElementChild.cloneNode(true);
      group.querySelector(".trg-rows").appendChild(row);
      fit(row);
      row.querySelector("select, input, textarea").focus();
      return;
    }
    var gone = b.closest(".trg-row");
    var next = gone.nextElementSibling;
    gone.remove();
    (next ? next.querySelector("select") : group.querySelector(".trg-add")).focus();
  });
  form.dataset.rows = "live"; // the rows are handled in place from now on
})();
