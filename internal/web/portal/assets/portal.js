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
  // Articles that may answer the subject being typed; "This solved my
  // problem" records that instead of sending the request. Titles and
  // excerpts are set as text, never as HTML.
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var box = document.getElementById(input.dataset.suggest);
    var list = box.querySelector("ul");
    var timer = 0, asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value;
        if (q.trim().length < 2) { box.hidden = true; return; }
        asked = q;
        fetch("/kb/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) {
            if (q !== asked) { return; }
            list.textContent = "";
            data.items.forEach(function (it) {
              var li = document.createElement("li");
              var a = document.createElement("a");
              a.href = it.url; a.target = "_blank"; a.rel = "noopener"; a.textContent = it.title;
              var p = document.createElement("p");
              p.className = "excerpt"; p.textContent = it.excerpt;
              var f = document.createElement("form");
              f.method = "post"; f.action = "/portal/solved/" + encodeURIComponent(it.slug);
              var t = document.createElement("input");
              t.type = "hidden"; t.name = "_csrf"; t.value = box.dataset.csrf;
              var b = document.createElement("button");
              b.type = "submit"; b.className = "link"; b.textContent = "This solved my problem";
              f.appendChild(t); f.appendChild(b);
              li.appendChild(a); li.appendChild(p); li.appendChild(f);
              list.appendChild(li);
            });
            box.hidden = data.items.length === 0;
          });
      }, 250);
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
