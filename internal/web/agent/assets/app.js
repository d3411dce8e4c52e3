// Docket agent workspace: keyboard shortcuts, Markdown preview, drag-and-drop
// uploads and live updates. Every feature here is an addition: the pages work
// without it.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var csrf = main ? main.getAttribute("data-csrf") : "";

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "fetch", "Accept": "application/json" } });
  }

  // ---- List navigation -------------------------------------------------
  var rows = [], sel = -1;
  function bindRows() {
    var keep = sel >= 0 && rows[sel] ? rows[sel].getAttribute("data-number") : null;
    rows = Array.prototype.slice.call(document.querySelectorAll("table.tickets tbody tr"));
    sel = -1;
    rows.forEach(function (r, i) {
      if (r.getAttribute("data-number") === keep) { sel = i; r.classList.add("sel"); }
      r.addEventListener("click", function (e) {
        if (!/^(A|INPUT|LABEL)$/.test(e.target.tagName)) location.href = r.getAttribute("data-href");
      });
    });
  }
  // select moves the selection and tells screen readers which ticket it
  // is on (the live region), as sighted agents see the highlight.
  var announce = document.getElementById("announce");
  function select(i) {
    if (!rows.length) return;
    if (sel >= 0 && rows[sel]) { rows[sel].classList.remove("sel"); rows[sel].removeAttribute("aria-current"); }
    sel = Math.max(0, Math.min(rows.length - 1, i));
    var r = rows[sel];
    r.classList.add("sel");
    r.setAttribute("aria-current", "true");
    r.scrollIntoView({ block: "nearest" });
    if (announce) {
      var cell = function (s) { var c = r.querySelector(s); return c ? c.textContent.replace(/\s+/g, " ").trim() : ""; };
      announce.textContent = "Selected " + cell(".num") + ": " + cell(".subj a") + " (" + (sel + 1) + " of " + rows.length + ")";
    }
  }
  bindRows();
  document.addEventListener("docket:refreshed", bindRows);

  // ---- Keyboard shortcuts ----------------------------------------------
  // Every shortcut here is listed in the help dialog (layout.html), and the
  // browser test presses each one listed.
  var help = document.getElementById("help");
  var pendingG = false;
  function go(view) { location.href = "/tickets?view=" + view; }
  function toggleHelp() {
    if (!help || !help.showModal) return;
    if (help.open) help.close(); else help.showModal();
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.id === "body" && e.target.form) {
      // Ctrl/Cmd+Enter sends what is being written.
      e.preventDefault();
      e.target.form.requestSubmit(document.getElementById("send") || undefined);
      return;
    }
    if (document.querySelector("dialog[open]")) return; // a dialog has the keyboard
    if (e.key === "Escape") {
      var bellEl = document.getElementById("bell");
      if (bellEl && bellEl.open) { bellEl.open = false; document.getElementById("bell-button").focus(); return; }
      if (typing(e)) { e.target.blur(); return; }
      if (document.getElementById("ticket")) { history.length > 1 ? history.back() : go("mine"); }
      return;
    }
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if (pendingG) {
      pendingG = false;
      var map = { i: "mine", u: "unassigned", t: "team", a: "open", p: "pending", r: "resolved" };
      if (map[e.key]) { e.preventDefault(); go(map[e.key]); }
      return;
    }
    var body = document.getElementById("body");
    switch (e.key) {
      case "?": e.preventDefault(); toggleHelp(); break;
      case "/": e.preventDefault(); var q = document.getElementById("q"); if (q) { q.focus(); q.select(); } break;
      case "g": pendingG = true; setTimeout(function () { pendingG = false; }, 1200); break;
      case "j": if (rows.length) { e.preventDefault(); select(sel + 1); } break;
      case "k": if (rows.length) { e.preventDefault(); select(sel - 1); } break;
      case "x":
        if (sel >= 0) { e.preventDefault(); var cb = rows[sel].querySelector("input[type=checkbox]"); if (cb) cb.checked = !cb.checked; }
        break;
      case "Enter": case "o":
        if (sel >= 0) { e.preventDefault(); location.href = rows[sel].getAttribute("data-href"); }
        break;
      case "r": case "n":
        if (body) {
          e.preventDefault();
          var kind = document.querySelector('input[name=kind][value="' + (e.key === "r" ? "reply" : "note") + '"]');
          if (kind) kind.checked = true;
          body.focus();
        }
        break;
      case "a":
        var asg = document.getElementById("f-assignee"), me = document.querySelector(".who");
        if (asg && me) {
          e.preventDefault();
          var email = me.getAttribute("title");
          for (var i = 0; i < asg.options.length; i++) if (asg.options[i].value === email) asg.selectedIndex = i;
          document.getElementById("props").requestSubmit();
        }
        break;
      case "s":
        var st = document.getElementById("f-status");
        if (st) { e.preventDefault(); st.focus(); }
        break;
      case "m":
        var mp = document.getElementById("macro-pick");
        if (mp) { e.preventDefault(); mp.focus(); } // arrows or typing choose one; choosing stages it
        break;
    }
  });

  // ---- Markdown preview ------------------------------------------------
  var bodyEl = document.getElementById("body"), preview = document.getElementById("preview");
  if (bodyEl && preview) {
    var timer = null;
    bodyEl.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!bodyEl.value.trim()) { preview.hidden = true; return; }
        var fd = new FormData(); fd.append("body", bodyEl.value);
        post("/preview", fd).then(function (r) { return r.ok ? r.text() : ""; }).then(function (html) {
          preview.innerHTML = html; // sanitized by the server
          preview.hidden = !html;
        });
      }, 250);
    });
  }

  // ---- Drag-and-drop uploads -------------------------------------------
  var drop = document.getElementById("drop"), files = document.getElementById("files"), list = document.getElementById("uploaded");
  function upload(file) {
    var li = document.createElement("li");
    li.textContent = file.name + " — uploading…";
    list.appendChild(li);
    var fd = new FormData(); fd.append("file", file);
    post("/uploads", fd).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (!res.ok) { li.textContent = file.name + " — " + (res.j.detail || "upload failed"); li.className = "err"; return; }
        li.textContent = res.j.filename + " (" + Math.ceil(res.j.size / 1024) + " KB)";
        var h = document.createElement("input");
        h.type = "hidden"; h.name = "attachments"; h.value = res.j.id;
        drop.appendChild(h);
      });
  }
  if (drop && files && list) {
    ["dragenter", "dragover"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      drop.addEventListener(ev, function (e) { e.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      Array.prototype.forEach.call(e.dataTransfer.files, upload);
    });
  }
})();

// ---- Bulk selection ----------------------------------------------------
// The header box ticks every row of the page; with more pages, a note offers
// every ticket matching (the bulk form's "all matching" scope).
(function () {
  "use strict";
  function bind() {
    var form = document.getElementById("bulk"), page = document.getElementById("pick-page");
    if (!form || !page) return;
    var note = document.getElementById("pickall-note"), all = document.getElementById("scope-all"),
      ticked = document.getElementById("scope-selected"), total = +document.getElementById("total").textContent;
    function boxes() { return Array.prototype.slice.call(form.querySelectorAll("input[name=n]")); }
    function sync() {
      var bs = boxes(), n = bs.filter(function (b) { return b.checked; }).length;
      page.checked = n > 0 && n === bs.length;
      page.indeterminate = n > 0 && n < bs.length;
      note.hidden = !(page.checked && total > bs.length && !all.checked);
    }
    page.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = page.checked; });
      if (!page.checked) ticked.checked = true;
      sync();
    });
    form.addEventListener("change", function (e) {
      if (e.target.name === "n" && !e.target.checked) ticked.checked = true;
      if (e.target.name === "n" || e.target.name === "scope") sync();
    });
    document.getElementById("pick-matching").addEventListener("click", function () {
      all.checked = true;
      document.getElementById("bulkbar").open = true;
      sync();
      all.focus();
    });
    sync();
  }
  bind();
  document.addEventListener("docket:refreshed", bind);
})();

// ---- Live updates and presence ----------------------------------------
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;
  var main = document.getElementById("main");
  if (!main) return;
  var csrf = main.getAttribute("data-csrf");
  var ticketEl = document.getElementById("ticket");
  var queueEl = document.getElementById("queue");
  var number = ticketEl ? ticketEl.getAttribute("data-number") : "";
  // The page's version: a change made before the stream listens is
  // announced at once (and again after a reconnect, as the page may have
  // missed changes meanwhile).
  // A queue's stream likewise announces a ticket changed since the list
  // was read.
  var es = new EventSource(number ? "/events?ticket=" + number + "&version=" + ticketEl.getAttribute("data-version") :
    queueEl ? "/events?since=" + queueEl.getAttribute("data-since") : "/events");

  // A page shown after a refused form has the form's URL; live refreshes
  // (and a reload) must ask for the ticket itself.
  if (number && location.pathname !== "/tickets/" + number) {
    history.replaceState(null, "", "/tickets/" + number + location.hash);
  }
  var queueURL = queueEl ? queueEl.getAttribute("data-url") : "";
  if (queueURL && location.pathname + location.search !== queueURL) {
    history.replaceState(null, "", queueURL);
  }
  // A refresh of the queue keeps what the agent ticked, chose and is
  // typing in the bulk form: read at the moment the list is replaced (what
  // was typed while the page was fetched counts), the field being typed
  // in focused again with its caret.
  function bulkState() {
    var form = document.getElementById("bulk");
    if (!form) return null;
    var st = { open: document.getElementById("bulkbar").open, fields: [], focus: null };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== "_csrf" && el.name !== "back") {
        var f = { name: el.name, value: el.value, checked: el.checked, type: el.type };
        if (el === document.activeElement) {
          st.focus = f;
          try { f.start = el.selectionStart; f.end = el.selectionEnd; } catch (err) { /* not a text field */ }
        }
        st.fields.push(f);
      }
    });
    return st;
  }
  function restoreBulk(st) {
    var form = document.getElementById("bulk");
    if (!st || !form) return;
    document.getElementById("bulkbar").open = st.open;
    st.fields.forEach(function (f) {
      var sel = "[name='" + f.name + "']" + (f.type === "checkbox" || f.type === "radio" ? "[value='" + f.value.replace(/'/g, "") + "']" : "");
      var el = form.querySelector(sel);
      if (!el) return;
      if (f.type === "checkbox" || f.type === "radio") el.checked = f.checked; else el.value = f.value;
      if (f === st.focus) {
        el.focus();
        if (f.start != null) {
          try { el.setSelectionRange(f.start, f.end); } catch (err) { /* not a text field */ }
        }
      }
    });
  }
  // refetch replaces the page's parts ids with the server's; before, if
  // given, runs just before they are replaced, and what it returns is
  // done's second argument.
  function refetch(ids, done, before) {
    fetch(number ? "/tickets/" + number : location.href, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
      if (!html) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      var kept = before ? before() : null;
      ids.forEach(function (sel) {
        var fresh = doc.querySelector(sel), cur = document.querySelector(sel);
        if (fresh && cur) cur.replaceWith(fresh);
      });
      if (done) done(doc, kept);
    });
  }
  // The bell: its count follows the stream; its list is fetched again
  // when the count changed (from the notifications page, which is small).
  var bellTimer = null;
  function bell(n) {
    var badge = document.getElementById("unread"), button = document.getElementById("bell-button");
    if (!badge || String(n) === badge.getAttribute("data-unread")) return;
    badge.setAttribute("data-unread", String(n));
    badge.textContent = String(n);
    badge.hidden = n === 0;
    if (button) button.setAttribute("aria-label", "Notifications, " + n + " unread");
    clearTimeout(bellTimer);
    bellTimer = setTimeout(function () {
      fetch("/notifications", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("bell-panel"), cur = document.getElementById("bell-panel");
        if (fresh && cur) {
          // Forms in the list come back to this page, not to the list.
          Array.prototype.forEach.call(fresh.querySelectorAll("input[name=back]"), function (el) { el.value = location.pathname + location.search; });
          cur.replaceWith(fresh);
        }
      });
    }, 300);
  }
  var timer = null, inboundTimer = null;
  function soon(fn) { clearTimeout(timer); timer = setTimeout(fn, 400); }

  es.onmessage = function (m) {
    var e;
    try { e = JSON.parse(m.data); } catch (err) { return; }
    if (e.type === "presence") {
      var p = document.getElementById("presence");
      if (!p) return;
      p.textContent = (e.viewers || []).map(function (v) { return v.name + (v.replying ? " is replying" : " is viewing"); }).join(" · ");
      return;
    }
    if (e.type === "notifications") {
      bell(e.unread || 0);
      return;
    }
    if (e.type && e.type.indexOf("mail.inbound") === 0) {
      // Mail not filed changed: its count in the sidebar, and the list.
      clearTimeout(inboundTimer);
      inboundTimer = setTimeout(function () { refetch([".side", "#inbound"]); }, 400);
      return;
    }
    if (queueEl) {
      soon(function () {
        refetch(["#list", ".side"], function (doc, kept) {
          restoreBulk(kept);
          if (e.type === "ticket.created" && !e.by_me) {
            var b = document.getElementById("new-badge");
            if (b) { b.hidden = false; }
          }
          document.dispatchEvent(new Event("docket:refreshed"));
        }, bulkState);
      });
    } else if (ticketEl && String(e.ticket) === number && !e.by_me) {
      soon(function () {
        refetch(["#conversation", "#subject", ".thead .meta", "#history", ".side"], function (doc) {
          var note = document.getElementById("live-note");
          if (note) note.hidden = false;
          var fresh = doc.getElementById("ticket");
          if (fresh) ticketEl.setAttribute("data-version", fresh.getAttribute("data-version"));
          // The property panel (panel.js) takes in the new values itself.
          document.dispatchEvent(new CustomEvent("docket:ticket-fetched", { detail: doc }));
        });
      });
    }
  };

  if (ticketEl) {
    var body = document.getElementById("body");
    var beat = function (state) {
      var fd = new FormData(); fd.append("state", state); fd.append("_csrf", csrf);
      if (state === "leaving" && navigator.sendBeacon) { navigator.sendBeacon("/tickets/" + number + "/presence", fd); return; }
      fetch("/tickets/" + number + "/presence", { method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
    };
    var state = function () { return body && (document.activeElement === body || body.value.trim()) ? "replying" : "viewing"; };
    beat(state());
    setInterval(function () { beat(state()); }, 15000);
    if (body) {
      body.addEventListener("focus", function () { beat("replying"); });
      body.addEventListener("blur", function () { beat(state()); });
    }
    window.addEventListener("pagehide", function () { beat("leaving"); });
  }
})();

// ---- Requester autocomplete ----------------------------------------------
(function () {
  "use strict";
  var input = document.querySelector("[data-contacts]"), list = document.getElementById("contacts");
  if (!input || !list || !window.fetch) return;
  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) return;
    timer = setTimeout(function () {
      fetch("/contacts?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (cs) {
          list.textContent = "";
          cs.forEach(function (c) {
            var o = document.createElement("option");
            o.value = c.email;
            o.label = c.name + (c.organization ? " · " + c.organization : "");
            list.appendChild(o);
          });
        });
    }, 200);
  });
})();

// ---- Macros menu -----------------------------------------------------------
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var pick = document.getElementById("macro-pick"), body = document.getElementById("body");
  var staged = document.getElementById("macro-staged");
  if (!pick || !body || !staged || !window.fetch) return;
  // Choosing a macro puts its reply text into the composer and stages its
  // actions: they apply, with the reply, when it is sent.
  pick.addEventListener("change", function () {
    if (!pick.value) return;
    fetch("/macros/" + pick.value + "/fill?ticket=" + pick.getAttribute("data-ticket"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        if (j.body) {
          var s = body.selectionStart || body.value.length, before = body.value.slice(0, s);
          var sep = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
          body.value = before + sep + j.body + body.value.slice(body.selectionEnd || s);
          body.dispatchEvent(new Event("input"));
        }
        document.getElementById("macro-id").value = j.id;
        document.getElementById("macro-name").textContent = "\u201c" + j.name + "\u201d";
        var list = document.getElementById("macro-actions");
        list.textContent = "";
        (j.actions.length ? j.actions : ["No actions: its reply text only"]).forEach(function (a) {
          var li = document.createElement("li");
          li.textContent = a;
          list.appendChild(li);
        });
        staged.hidden = false;
        pick.value = "";
        body.focus();
      });
  });
  document.getElementById("macro-unstage").addEventListener("click", function (e) {
    e.preventDefault();
    document.getElementById("macro-id").value = "";
    staged.hidden = true;
    pick.focus();
  });
})();

// ---- Help articles in the reply box ------------------------------------------
// Searching shows published articles a requester could read; "Insert link"
// puts a Markdown link to the public page at the cursor, "Insert text" the
// article's Markdown. Without JavaScript the search opens the knowledge base
// in a new tab.
(function () {
  "use strict";
  var input = document.getElementById("kb-pick"), list = document.getElementById("kb-pick-results"),
    body = document.getElementById("body");
  if (!input || !list || !body || !window.fetch) return;
  function insert(text) {
    var s = body.selectionStart || body.value.length;
    body.value = body.value.slice(0, s) + text + body.value.slice(body.selectionEnd || s);
    body.focus();
    body.dispatchEvent(new Event("input"));
  }
  function button(label, fn) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "link"; b.textContent = label;
    b.addEventListener("click", fn);
    return b;
  }
  var timer = 0;
  function search() {
    var q = input.value;
    fetch("/articles/pick?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (j) {
        if (q !== input.value) return;
        list.textContent = "";
        j.items.forEach(function (it) {
          var li = document.createElement("li"), t = document.createElement("span");
          t.textContent = it.title;
          li.appendChild(t);
          li.appendChild(button("Insert link", function () { insert("[" + it.title.replace(/[\[\]]/g, "") + "](" + it.url + ")"); }));
          li.appendChild(button("Insert text", function () { insert(it.body); }));
          list.appendChild(li);
        });
        if (!j.items.length) {
          var li = document.createElement("li");
          li.className = "muted"; li.textContent = "No published articles match.";
          list.appendChild(li);
        }
        list.hidden = false;
      });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); search(); }
    if (e.key === "Escape") { list.hidden = true; }
  });
})();

// ---- Quoted history in emails ------------------------------------------------
// Folds quoted replies (blockquotes, Gmail quotes, Outlook "From:" blocks after
// an <hr>) behind a "Show quoted text" toggle. Nothing is removed; without
// JavaScript everything stays visible.
(function () {
  "use strict";
  function fold(els) {
    if (!els.length) return;
    var d = document.createElement("details"), s = document.createElement("summary");
    d.className = "quoted";
    s.textContent = "Show quoted text";
    d.appendChild(s);
    els[0].parentNode.insertBefore(d, els[0]);
    els.forEach(function (el) { d.appendChild(el); });
  }
  document.querySelectorAll(".msg[data-channel=email] .body").forEach(function (body) {
    Array.prototype.slice.call(body.children).forEach(function (el) {
      if (!el.parentNode || el.parentNode !== body) return;
      if (el.tagName === "BLOCKQUOTE" || el.classList.contains("gmail_quote")) {
        fold([el]);
      } else if (el.tagName === "HR") {
        var next = el.nextElementSibling;
        if (next && /^\s*From:/.test(next.textContent)) {
          var rest = [el];
          for (var n = next; n; n = n.nextElementSibling) rest.push(n);
          fold(rest);
        }
      }
    });
  });
})();

// ---- History in the conversation ------------------------------------------
// The toggle is a plain checkbox (CSS shows the entries); this remembers the
// agent's choice from one ticket to the next.
(function () {
  "use strict";
  var box = document.getElementById("show-history");
  if (!box) return;
  try {
    box.checked = localStorage.getItem("docket.showHistory") === "1";
    box.addEventListener("change", function () { localStorage.setItem("docket.showHistory", box.checked ? "1" : "0"); });
  } catch (err) { /* storage off: the toggle still works for this page */ }
})();

// ---- Confirm what cannot be undone ------------------------------------------
// Forms marked data-confirm ask in a dialog first; confirming submits them
// with confirm=1. Without JavaScript the server asks on a page of its own.
(function () {
  "use strict";
  var dlg = document.getElementById("confirm-dialog");
  if (!dlg || !dlg.showModal) return;
  var pending = null;
  function question(f) {
    if (f.hasAttribute("data-confirm-merge")) {
      if (!f.elements.type || f.elements.type.value !== "merge") return null;
      return "Merge this ticket into #" + f.elements.other.value.trim().replace(/^#/, "") +
        "? Its conversation moves there and this ticket is closed. A merge cannot be undone.";
    }
    return f.getAttribute("data-confirm");
  }
  document.addEventListener("submit", function (e) {
    var f = e.target, msg = question(f);
    if (!msg || (f.elements.confirm && f.elements.confirm.value === "1")) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    pending = f;
    document.getElementById("confirm-text").textContent = msg;
    document.getElementById("confirm-ok").textContent = f.getAttribute("data-confirm-button") || (f.hasAttribute("data-confirm-merge") ? "Merge" : "Confirm");
    dlg.returnValue = "";
    dlg.showModal();
    document.getElementById("confirm-cancel").focus();
  }, true);
  dlg.addEventListener("close", function () {
    // A close queued by an earlier answer (Esc) can arrive after the next
    // question opened the dialog again: it must not take that question's
    // form with it.
    if (dlg.open) return;
    var f = pending;
    pending = null;
    if (dlg.returnValue !== "ok" || !f) return;
    var h = document.createElement("input");
    h.type = "hidden"; h.name = "confirm"; h.value = "1";
    f.appendChild(h);
    f.submit();
  });
})();

// ---- Dialogs keep the keyboard ----------------------------------------------
// A modal <dialog> already makes the page behind it inert; Tab and Shift+Tab
// also cycle within it instead of leaving for the browser's own controls.
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Tab") return;
    var d = document.querySelector("dialog[open]");
    if (!d) return;
    var f = Array.prototype.filter.call(d.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"),
      function (el) { return !el.disabled && el.tabIndex >= 0 && el.getClientRects().length; });
    if (!f.length) { e.preventDefault(); return; }
    var first = f[0], last = f[f.length - 1], at = document.activeElement;
    if (e.shiftKey && (at === first || !d.contains(at))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (at === last || !d.contains(at))) { e.preventDefault(); first.focus(); }
  });
})();

// ---- The bell's panel closes on a click elsewhere (Escape: shortcuts) ----
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var b = document.getElementById("bell");
    if (b && b.open && !b.contains(e.target)) b.open = false;
  });
})();
