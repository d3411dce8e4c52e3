// Docket ticket page: the property panel. It marks the fields the agent
// changed, sends only those, and takes in a colleague's changes live
// without touching what the agent is editing. The form works without it:
// next to each field it carries the value the page showed (orig.<name>),
// and the server applies only fields that differ from it.
(function () {
  "use strict";
  var form = document.getElementById("props");
  if (!form) return;

  function orig(f, name) { return f.querySelector('input[type=hidden][name="orig.' + name + '"]'); }
  // The fields with an original value: the panel's own inputs.
  function fields(f) {
    return Array.prototype.filter.call(f.querySelectorAll("select[name], textarea[name], input[name]"), function (c) {
      return c.type !== "hidden" && orig(f, c.name);
    });
  }
  function value(c) { return c.type === "checkbox" ? (c.checked ? "1" : "") : c.value; }
  function setValue(c, v) { if (c.type === "checkbox") c.checked = v === "1"; else c.value = v; }
  function norm(name, v) {
    v = v.replace(/\r\n/g, "\n").trim();
    if (name === "tags") return v.split(",").map(function (s) { return s.trim(); }).filter(Boolean).join(",");
    if (name === "assignee") return v.toLowerCase();
    return v;
  }
  function edited(f, c) { var o = orig(f, c.name); return !!o && norm(c.name, value(c)) !== norm(c.name, o.value); }
  // anchor is where a field's marks go: a checkbox sits inside its label.
  function anchor(c) { return c.type === "checkbox" ? c.closest("label") : c; }
  function markEdits() {
    fields(form).forEach(function (c) { anchor(c).classList.toggle("edited", edited(form, c)); });
  }
  // describe shows a value as the fresh form names it.
  function describe(fc, v) {
    if (fc.type === "checkbox") return v === "1" ? "ticked" : "not ticked";
    if (fc.tagName === "SELECT") {
      for (var i = 0; i < fc.options.length; i++) if (fc.options[i].value === v) return fc.options[i].textContent;
    }
    return v || "—";
  }
  // note shows (text) or removes (null) the mark of a colleague's change
  // to a field the agent is editing.
  function note(c, text) {
    var a = anchor(c), n = a.nextElementSibling;
    if (!n || !n.classList.contains("theirs")) {
      if (!text) return;
      n = document.createElement("p");
      n.className = "theirs";
      n.setAttribute("role", "status");
      a.insertAdjacentElement("afterend", n);
    }
    if (text) n.textContent = text; else n.remove();
  }
  function names(f) { return fields(f).map(function (c) { return c.name; }).join(" "); }

  form.addEventListener("input", markEdits);
  form.addEventListener("change", markEdits);
  markEdits();

  // Send only what changed: untouched fields and their originals stay home.
  form.addEventListener("submit", function () {
    fields(form).forEach(function (c) {
      if (edited(form, c)) return;
      c.disabled = true;
      orig(form, c.name).disabled = true;
      var present = form.querySelector('input[name="cf_present.' + c.name.slice(3) + '"]');
      if (c.name.indexOf("cf.") === 0 && present) present.disabled = true;
    });
  });
  // Back to this page from the browser's cache: the fields work again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(form.elements, function (c) { c.disabled = false; });
  });

  // After a collision: choosing "Now" or "Yours" puts that value in the field.
  document.querySelectorAll('input[type=radio][name^="keep."]').forEach(function (r) {
    r.addEventListener("change", function () {
      var c = form.querySelector('[name="' + r.name.slice(5) + '"]:not([type=hidden])');
      if (c && r.checked) { setValue(c, r.getAttribute("data-value")); markEdits(); }
    });
  });

  // A colleague changed the ticket: app.js fetched the page again. Untouched
  // fields take the new values; fields the agent changed keep their value
  // and the value they started from (so saving still notices a collision),
  // with a note when someone else changed them too.
  document.addEventListener("docket:ticket-fetched", function (ev) {
    var fresh = ev.detail && ev.detail.getElementById("props");
    if (!fresh) return;
    var mine = {};
    fields(form).forEach(function (c) {
      if (edited(form, c)) mine[c.name] = { value: value(c), orig: orig(form, c.name).value };
    });
    // Another type or category shows other custom fields: take the fresh
    // form and put the agent's edits back.
    var reshaped = names(form) !== names(fresh);
    if (reshaped) form.innerHTML = fresh.innerHTML;
    ["version", "seen", "_csrf"].forEach(function (n) {
      var c = form.querySelector('input[name="' + n + '"]'), fc = fresh.querySelector('input[name="' + n + '"]');
      if (c && fc) c.value = fc.value;
    });
    fields(form).forEach(function (c) {
      var fc = fresh.querySelector('[name="' + c.name + '"]:not([type=hidden])'), fo = orig(fresh, c.name), o = orig(form, c.name);
      if (!fc || !fo) return;
      var m = mine[c.name];
      if (m) {
        if (reshaped) { setValue(c, m.value); o.value = m.orig; }
        note(c, norm(c.name, fo.value) === norm(c.name, m.orig) ? null :
          "Changed meanwhile to “" + describe(fc, fo.value) + "”. Your value is kept; saving asks which to keep.");
        return;
      }
      if (!reshaped) {
        if (c.tagName === "SELECT") c.innerHTML = fc.innerHTML;
        setValue(c, value(fc));
        o.value = fo.value;
      }
      note(c, null);
    });
    markEdits();
  });
})();
