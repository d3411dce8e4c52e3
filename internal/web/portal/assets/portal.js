// The portal's small enhancements: a Markdown preview of what is typed and
// files dropped on a form's file input. Every form works without them.
(function () {
  "use strict";
  var csrf = function (form) {
    var i = form.querySelector('input[name="_csrf"]');
    return i ? i.value : "";
  };
  document.querySelectorAll("textarea[data-preview]").forEach(function (ta) {
    var box = document.getElementById(ta.dataset.preview);
    var timer = 0;
    ta.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!ta.value.trim()) { box.hidden = true; return; }
        var body = new URLSearchParams({ body: ta.value });
        fetch("/portal/preview", { method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf(ta.form), "X-Requested-With": "fetch" } })
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { box.innerHTML = html; box.hidden = !html; }); // sanitized by the server
      }, 300);
    });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
  document.querySelectorAll("form.compose").forEach(function (form) {
    var input = form.querySelector('input[type="file"]');
    if (!input) { return; }
    ["dragenter", "dragover"].forEach(function (t) {
      form.addEventListener(t, function (e) { e.preventDefault(); form.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (t) {
      form.addEventListener(t, function () { form.classList.remove("over"); });
    });
    form.addEventListener("drop", function (e) {
      e.preventDefault();
      var dt = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { dt.items.add(f); });
      Array.prototype.forEach.call(e.dataTransfer.files, function (f) { dt.items.add(f); });
      input.files = dt.files;
    });
  });
})();
