package agent_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/view"
)

// contrastJS computes the WCAG contrast ratio between an element's text
// colour and the background it is drawn on (the first ancestor with one).
const contrastJS = `(function (el) {
  function rgb(s) { var m = s.match(/[\d.]+/g).map(Number); return { c: m.slice(0, 3), a: m.length > 3 ? m[3] : 1 }; }
  function lum(c) { return c.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce(function (s, v, i) { return s + v * [0.2126, 0.7152, 0.0722][i]; }, 0); }
  var fg = rgb(getComputedStyle(el).color).c, bg = null;
  for (var n = el; n && !bg; n = n.parentElement) { var b = rgb(getComputedStyle(n).backgroundColor); if (b.a > 0) bg = b.c; }
  bg = bg || [255, 255, 255];
  var l1 = lum(fg), l2 = lum(bg);
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
})(%s)`

// TestBrowserReadableQueue: subjects of one long word (URLs, paths, error
// codes, as mail has them) never push the other columns off-screen, on a
// laptop or a phone; rows stay dense with long names, a long team name and
// "just now" in every row (each row one line at 1280×800, where 20 or more
// fit, and two lines on a phone, the subject across the screen); the search
// box's text is readable; on a phone the actions of the
// side bar are in the menu.
func TestBrowserReadableQueue(t *testing.T) {
	c := newChrome(t, 90*time.Second)
	e := newE2EEnv(t)
	team := "Infrastructure and Workplace Services (EMEA)"
	tm, err := e.Users.CreateTeam(context.Background(), e.Admin, user.TeamInput{Name: &team})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Users.AddMember(context.Background(), e.Admin, tm.ID, e.alice.Email); err != nil {
		t.Fatal(err)
	}
	long := []string{"https://intranet.example.test/" + strings.Repeat("very-long-path-segment/", 8) + "ERR_0xDEADBEEF",
		`C:\Users\maximilian.longname\AppData\Roaming\Microsoft\Outlook\RoamCache\Stream_Autocomplete_0_ABCDEF0123456789.dat`,
		"ERR_CONNECTION_RESET_BY_PEER_WHILE_NEGOTIATING_TLS_SESSION_WITH_UPSTREAM_GATEWAY_0x80072EFD",
		"/var/log/docket/very/deeply/nested/directory/structure/with/a/file-name-that-goes-on-and-on.log"}
	for i := range 27 {
		apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) {
			n.Subject = fmt.Sprintf("Printer on floor %d jams", i)
			if i%2 == 0 {
				n.Subject = long[i/2%len(long)]
			}
			n.Requester = &ticket.Contact{Email: fmt.Sprintf("maximilian.alexander.longname%d@subsidiary.example.test", i), Name: "Maximilian Alexander Longname-Requester"}
			n.Team, n.Assignee = team, e.alice.Email
		})
	}
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=open", "#queue")

	overflow := func(t *testing.T) {
		t.Helper()
		w := eval[float64](t, a, `document.documentElement.scrollWidth - window.innerWidth`)
		if w > 0 {
			t.Errorf("the page is %v px wider than the screen", w)
		}
		right := eval[float64](t, a, `Math.max.apply(null, Array.from(document.querySelectorAll("table.tickets tr > *")).filter(c => c.offsetParent).map(c => c.getBoundingClientRect().right).concat([0])) - window.innerWidth`)
		if right > 0 {
			t.Errorf("a column ends %v px right of the screen", right)
		}
	}

	// rowLines is the height of the tallest row in lines of text (a row
	// of one line measures a little more: its badges and paddings).
	rowLines := func(t *testing.T) float64 {
		t.Helper()
		return eval[float64](t, a, `Math.max.apply(null, Array.from(document.querySelectorAll("table.tickets tbody tr")).map(r => { var c = r.querySelector("td.subj"), s = getComputedStyle(c);
			return (r.getBoundingClientRect().height - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom) - 1) / parseFloat(s.lineHeight); }))`)
	}

	t.Run("laptop", func(t *testing.T) {
		a.do(t, "1280×800", chromedp.EmulateViewport(1280, 800))
		a.open(t, "/tickets?view=open&sort=number", "table.tickets")
		overflow(t)
		rows := eval[int](t, a, `Array.from(document.querySelectorAll("table.tickets tbody tr")).filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length`)
		if rows < 20 {
			t.Errorf("%d rows fit at 1280×800, want at least 20", rows)
		}
		// Every row is one line; a long subject ends in "…" and says all
		// of itself in its title.
		if l := rowLines(t); l > 1.5 {
			t.Errorf("a row is %.1f lines tall, want one", l)
		}
		if s := eval[string](t, a, `document.querySelector("table.tickets tbody tr .subj a").title`); s != long[0] {
			t.Errorf("the long subject's title is %q", s)
		}
		a.screenshots(t, "queue-long-subjects")
		a.do(t, "1280×800", chromedp.EmulateViewport(1280, 800))
		a.do(t, "type a search", chromedp.SendKeys(chromedp.CSS("#q"), "status:open"))
		if ratio := eval[float64](t, a, fmt.Sprintf(contrastJS, `document.getElementById("q")`)); ratio < 4.5 {
			t.Errorf("search box text contrast %.2f:1, want at least 4.5:1", ratio)
		}
		if eval[bool](t, a, `document.getElementById("menu").checkVisibility()`) {
			t.Error("the phone menu shows on a laptop, next to the side bar that has the same links")
		}
	})

	t.Run("phone", func(t *testing.T) {
		a.do(t, "390×800", chromedp.EmulateViewport(390, 800))
		a.open(t, "/tickets?view=open&sort=number", "table.tickets")
		overflow(t)
		// Two lines a ticket: number, due, status and priority, then the
		// subject across the screen.
		if l := rowLines(t); l > 2.5 {
			t.Errorf("a row is %.1f lines tall on a phone, want two", l)
		}
		if w := eval[float64](t, a, `document.querySelector("table.tickets tbody td.subj").getBoundingClientRect().width / window.innerWidth`); w < 0.75 {
			t.Errorf("the subject has %.0f%% of the phone's width, want at least 75%%", w*100)
		}
		a.screenshots(t, "queue-long-subjects-phone")
		a.do(t, "390×800", chromedp.EmulateViewport(390, 800))
		if ratio := eval[float64](t, a, fmt.Sprintf(contrastJS, `document.getElementById("q")`)); ratio < 4.5 {
			t.Errorf("search box text contrast %.2f:1 on a phone", ratio)
		}
		for _, id := range []string{"menu-new", "menu-phone", "menu-macros", "menu-inbound", "menu-profile"} {
			if eval[bool](t, a, `document.getElementById("`+id+`").checkVisibility()`) {
				t.Errorf("#%s shows before the menu is opened", id)
			}
		}
		a.do(t, "open the menu", chromedp.Click(chromedp.CSS("#menu summary")), chromedp.WaitVisible(chromedp.CSS("#menu-inbound")))
		for _, id := range []string{"menu-new", "menu-phone", "menu-macros", "menu-inbound", "menu-profile"} {
			if !eval[bool](t, a, `(function () { var r = document.getElementById("`+id+`").getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth; })()`) {
				t.Errorf("#%s is not on screen in the open menu", id)
			}
		}
		a.do(t, "to the mail not filed", chromedp.Click(chromedp.CSS("#menu-inbound")), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if loc := a.location(t); loc != "/mail/inbound" {
			t.Errorf("the menu's mail link led to %s", loc)
		}
		a.open(t, "/tickets/new", "main h1")
		overflow(t)
	})
	a.noConsoleErrors(t)
}

// TestBrowserConfirmDialog: deleting a view and merging ask in a real
// dialog first; cancelling (Esc) changes nothing, confirming does it. A
// link needs no confirmation, and its Unlink button removes it.
func TestBrowserConfirmDialog(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	e := newE2EEnv(t)
	ctx := context.Background()
	v, err := e.Views.Create(ctx, e.alice, view.Input{Name: "Printers", Query: "printer"})
	if err != nil {
		t.Fatal(err)
	}
	a := c.tab("alice", e.URL)
	a.signIn(t, "alice@example.test", e2ePassword, "/tickets?view=v"+num(v.ID), "#delete-view")
	open := `document.getElementById("confirm-dialog").open`
	a.do(t, "delete the view", chromedp.Click(chromedp.CSS("#delete-view button[type=submit]")))
	a.waitJS(t, "the dialog", open)
	if q := a.text(t, "#confirm-text"); !strings.Contains(q, "Printers") {
		t.Errorf("the dialog asks %q", q)
	}
	if !eval[bool](t, a, `document.activeElement.closest("dialog") !== null`) {
		t.Error("focus is not in the dialog")
	}
	a.do(t, "Esc", chromedp.KeyEvent(kb.Escape))
	a.waitJS(t, "the dialog to close", "!"+open)
	if _, err := e.Views.Get(ctx, e.alice, v.ID); err != nil {
		t.Fatalf("cancelled, yet the view is gone: %v", err)
	}
	a.do(t, "delete again and confirm", chromedp.Click(chromedp.CSS("#delete-view button[type=submit]")))
	a.waitJS(t, "the dialog", open)
	a.do(t, "confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
	a.waitJS(t, "the queue", `location.search === "?view=open" && !!document.getElementById("queue")`)
	if _, err := e.Views.Get(ctx, e.alice, v.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("confirmed, yet the view is there: %v", err)
	}

	from := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Toner low again" })
	into := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Subject = "Toner low" })
	a.open(t, "/tickets/"+num(from.Number), "#relate-form")
	a.do(t, "merge", chromedp.SetValue(chromedp.CSS("#rel-type"), "merge"), chromedp.SendKeys(chromedp.CSS("#rel-number"), num(into.Number)),
		chromedp.Click(chromedp.CSS("#relate-form button[type=submit]")))
	a.waitJS(t, "the dialog", open)
	if q := a.text(t, "#confirm-text"); !strings.Contains(q, "#"+num(into.Number)) || !strings.Contains(q, "cannot be undone") {
		t.Errorf("the merge dialog asks %q", q)
	}
	a.do(t, "confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
	// Loaded to the end: a form filled while the page still loaded lost its
	// nodes (CI under load).
	a.waitJS(t, "the surviving ticket", `location.pathname === "/tickets/`+num(into.Number)+`" && document.readyState === "complete"`)
	if tk, _ := e.Tickets.Get(ctx, e.Admin, from.Number); tk.MergedInto != into.Number {
		t.Errorf("merged into %d", tk.MergedInto)
	}
	// A plain link needs no confirmation.
	other := apptest.Ticket(t, e.Services, e.Admin)
	a.do(t, "link", chromedp.SetValue(chromedp.CSS("#rel-type"), "related"), chromedp.SendKeys(chromedp.CSS("#rel-number"), num(other.Number)),
		chromedp.Click(chromedp.CSS("#relate-form button[type=submit]")))
	a.waitJS(t, "the link", `!!document.querySelector("#links a[href='/tickets/`+num(other.Number)+`']")`)
	// and is removed by its Unlink button, a small word inside the card.
	if !eval[bool](t, a, `(function () { var f = document.querySelector("#links form.unlink").getBoundingClientRect(), b = document.querySelector("#links .unlink-btn").getBoundingClientRect(),
		c = document.getElementById("links").getBoundingClientRect(); return f.right <= c.right && b.width < 80 && b.height < 30; })()`) {
		t.Error("the Unlink button does not sit inside the Links card as a small word")
	}
	a.do(t, "unlink", chromedp.Click(chromedp.CSS(`#links button[aria-label="Remove the link to #`+num(other.Number)+`"]`)))
	a.waitJS(t, "the page after unlinking", `(document.querySelector(".flash")?.textContent ?? "") === "Unlinked #`+num(other.Number)+`."`)
	if eval[bool](t, a, `!!document.querySelector("#links a[href='/tickets/`+num(other.Number)+`']")`) {
		t.Error("the link is still on the page after unlinking")
	}
	a.noConsoleErrors(t)
}
