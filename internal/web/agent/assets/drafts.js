// Docket drafts: the composer's unsent text is kept in this browser
// (localStorage, per agent and ticket) as it is typed, and on the server a
// moment later, so that it survives a property save, a collision page, an
// ended session and a change of browser. The server renders its copy into
// the composer, so without JavaScript a saved draft comes back too; this
// script adds saving as one types, the browser's copy, and a warning
// before leaving the page with unsent text.
(function () {
  "use strict";
  var composer = document.getElementById("composer");
  var form = composer && composer.querySelector("form[data-draft]");
  var body = document.getElementById("body");
  var main = document.getElementById("main");
  if (!form || !body || !main || !window.fetch || !window.FormData) return;
  var csrf = main.getAttribute("data-csrf");
  var number = composer.getAttribute("data-ticket");
  var key = "docket:draft:" + composer.getAttribute("data-user") + ":" + number;
  var url = "/tickets/" + number + "/draft";
  var status = document.getElementById("draft-status");
  var discard = document.getElementById("draft-discard");
  var leaving = false; // the page is being left through one of its own forms

  function kind() {
    var k = form.querySelector("input[name=kind]:checked") || form.querySelector("input[name=kind][type=hidden]");
    return k ? k.value : "reply";
  }
  function setKind(v) {
    var k = form.querySelector('input[name=kind][type=radio][value="' + v + '"]');
    if (k) k.checked = true;
  }
  // The browser's copy: {body, kind, at, dirty} where dirty means the
  // server does not have this text yet, and submitted that the composer
  // was sent (the server answered for it: sent it, or kept it).
  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function store(d) {
    try {
      if (d) localStorage.setItem(key, JSON.stringify(d)); else localStorage.removeItem(key);
    } catch (e) { /* private mode or full: the server's copy remains */ }
  }
  function say(text, link) {
    if (!status) return;
    status.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href; a.textContent = link.text;
      status.appendChild(document.createTextNode(" "));
      status.appendChild(a);
    }
  }
  function unsent() { return body.value.trim() !== ""; }
  function showDiscard() { if (discard) discard.hidden = !unsent(); }

  // save sends the composer's text to the server (empty text deletes the
  // draft there). keepalive lets it finish while the page is left.
  var timer = null, seq = 0;
  function save(keepalive) {
    clearTimeout(timer);
    var text = body.value, k = kind(), mine = ++seq;
    var fd = new FormData();
    fd.append("body", unsent() ? text : "");
    fd.append("kind", k);
    return fetch(url, { method: "POST", body: fd, credentials: "same-origin", keepalive: !!keepalive,
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) {
          say("Your session has ended. The draft is kept in this browser; sign in again to save and send it.",
            { href: "/login?next=" + encodeURIComponent("/tickets/" + number), text: "Sign in" });
          return;
        }
        if (!r.ok) { say("The draft could not be saved on the server; it is kept in this browser."); return; }
        if (mine !== seq || body.value !== text) return; // typed on meanwhile: the next save follows
        var d = load();
        if (d && d.body === text) { d.dirty = false; store(d); }
        if (!unsent()) { store(null); return; }
        say("Draft saved.");
      })
      .catch(function () { if (!leaving) say("Offline: the draft is kept in this browser."); });
  }
  function changed() {
    store({ body: unsent() ? body.value : "", kind: kind(), at: Date.now(), dirty: true });
    showDiscard();
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  }
  function flush() {
    var d = load();
    if (d && d.dirty) save(true);
  }

  // ---- Restore: the server's copy, or this browser's newer one ---------
  var served = body.value; // a stored draft, or the text of a refused form
  var savedAt = Date.parse(composer.getAttribute("data-draft-saved") || "") || 0;
  var local = load();
  if (local && local.submitted) {
    // The composer was sent from here: the server answered for that text
    // (sent it, or kept it and shows it now).
    local = null;
  }
  if (local && local.dirty && local.body.trim() && local.body !== served && !(savedAt > local.at)) {
    body.value = local.body;
    setKind(local.kind);
    say("Your unsent text from this browser is back in the box below.");
    save();
  } else if (served.trim()) {
    store({ body: served, kind: kind(), at: savedAt || Date.now(), dirty: !savedAt });
    if (!savedAt) save(); // a refused form's text: keep it on the server too
  } else {
    store(null);
  }
  showDiscard();
  // Carry on writing where the text ends.
  if (body.value) body.setSelectionRange(body.value.length, body.value.length);

  body.addEventListener("input", changed);
  form.addEventListener("change", function (e) { if (e.target.name === "kind") changed(); });
  if (discard) {
    discard.addEventListener("click", function (e) {
      e.preventDefault();
      body.value = "";
      body.dispatchEvent(new Event("input")); // the preview and presence follow
      save();
      say("Draft discarded.");
    });
  }

  // ---- Leaving the page ---------------------------------------------------
  document.addEventListener("submit", function (e) {
    leaving = true;
    if (e.target === form && !(e.submitter && e.submitter.formAction && /\/draft$/.test(e.submitter.formAction))) {
      clearTimeout(timer);
      store({ body: body.value, kind: kind(), at: Date.now(), submitted: true });
      return;
    }
    // Another form (a property save, a link): the text stays for the page
    // that comes next.
    flush();
  });
  // A submit that did not leave (a refused fetch, a cancelled dialog)
  // must not silence the warning for good.
  window.addEventListener("pageshow", function () { leaving = false; });
  window.addEventListener("beforeunload", function (e) {
    if (leaving || !unsent()) return;
    flush();
    e.preventDefault();
    e.returnValue = ""; // the browser shows its own "Leave site?" question
  });
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") flush(); });
})();
