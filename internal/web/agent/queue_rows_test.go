package agent

import (
	"fmt"
	"html/template"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/docket/docket/internal/ticket"
)

// TestQueueRowsEscapeAndShowEachColumn: the queue's rows, written in Go,
// escape whatever a person or an email supplied (subject, tags, names,
// team) in attributes and text alike, tick the selected tickets, and show
// the Due column's four states and the times in the agent's zone.
func TestQueueRowsEscapeAndShowEachColumn(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Now().Truncate(time.Second)
	hostile := `<script>alert("x")</script> & 'q'`
	ts := []*ticket.Ticket{
		{ID: 1, Number: 101, Reference: "INC-101", Subject: hostile, Status: ticket.StatusOnHold, Priority: ticket.P1,
			Tags: []string{"<b>vpn</b>", "a&b"}, Requester: ticket.Person{Name: `Sam "the <user>"`, Email: "sam@example.test"},
			Assignee: &ticket.Person{Email: "eve@example.test"}, Team: &ticket.Ref{Name: "Net & <Ops>"}, UpdatedAt: now.Add(-3 * time.Hour)},
		{ID: 2, Number: 102, Reference: "#102", Subject: "Printer", Status: ticket.StatusPending, Priority: ticket.P4,
			Requester: ticket.Person{Email: "kim@example.test"}, UpdatedAt: now},
		{ID: 3, Number: 103, Reference: "#103", Subject: "Paused", Status: ticket.StatusPending, Priority: ticket.P3, UpdatedAt: now},
		{ID: 4, Number: 104, Reference: "#104", Subject: "Breached", Status: ticket.StatusOpen, Priority: ticket.P2, UpdatedAt: now},
	}
	due := now.Add(2 * time.Hour)
	dues := map[int64]dueCell{
		1: {At: due, Warn: due.Add(-time.Hour), State: "warn", Text: "in 2 h <0 m>", Breached: true},
		3: {Paused: true},
		4: {Breached: true},
	}
	out := string(queueRows(loc)(ts, dues, map[int64]bool{102: true}))
	if strings.Contains(out, "<script>") || strings.Contains(out, "<b>vpn") || strings.Contains(out, "<user>") || strings.Contains(out, "<Ops>") {
		t.Fatalf("unescaped markup in the rows:\n%s", out)
	}
	doc, err := html.Parse(strings.NewReader("<table><tbody>" + out + "</tbody></table>"))
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var cells []*html.Node
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells = append(cells, c)
				}
			}
			rows = append(rows, cells)
			if v, _ := attrOf(n, "data-href"); !strings.HasPrefix(v, "/tickets/10") {
				t.Errorf("a row's data-href is %q", v)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(rows) != 4 || len(rows[0]) != 10 {
		t.Fatalf("%d rows, want 4 of 10 cells:\n%s", len(rows), out)
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	find := func(n *html.Node, tag string) *html.Node {
		var hit *html.Node
		var f func(*html.Node)
		f = func(m *html.Node) {
			if hit == nil && m.Type == html.ElementNode && m.Data == tag {
				hit = m
			}
			for c := m.FirstChild; c != nil && hit == nil; c = c.NextSibling {
				f(c)
			}
		}
		f(n)
		return hit
	}
	first := rows[0]
	for i, want := range []string{"", "INC-101", hostile + ` <b>vpn</b> a&b`, `Sam "the <user>"`, "On hold", "p1", "eve@example.test",
		"Net & <Ops>", "in 2 h <0 m> breached", "3h ago"} {
		if got := text(first[i]); got != want {
			t.Errorf("the first row's cell %d reads %q, want %q", i, got, want)
		}
	}
	if a := find(first[2], "a"); a == nil {
		t.Error("no link in the subject cell")
	} else if title, _ := attrOf(a, "title"); title != hostile {
		t.Errorf("the subject's title is %q", title)
	}
	if s := find(first[5], "span"); s == nil {
		t.Error("no priority badge")
	} else if title, _ := attrOf(s, "title"); title != "critical" {
		t.Errorf("the priority's title is %q", title)
	}
	tm := find(first[8], "time")
	if tm == nil {
		t.Fatal("no due time in the first row")
	}
	for k, want := range map[string]string{"class": "due due-warn", "datetime": due.UTC().Format(time.RFC3339),
		"data-warn": due.Add(-time.Hour).UTC().Format(time.RFC3339), "title": "Due " + due.In(loc).Format("2006-01-02 15:04 MST")} {
		if got, _ := attrOf(tm, k); got != want {
			t.Errorf("the due time's %s is %q, want %q", k, got, want)
		}
	}
	if got, _ := attrOf(find(first[9], "time"), "title"); got != now.Add(-3*time.Hour).In(loc).Format("2006-01-02 15:04 MST") {
		t.Errorf("the updated time's title is %q", got)
	}
	for i, want := range []string{"kim@example.test", "Pending", "p4", "—", "—", "—", "just now"} {
		if got := text(rows[1][i+3]); got != want {
			t.Errorf("the second row's cell %d reads %q, want %q", i+3, got, want)
		}
	}
	for i, r := range rows {
		_, checked := attrOf(find(r[0], "input"), "checked")
		if checked != (i == 1) {
			t.Errorf("row %d ticked: %v", i+1, checked)
		}
	}
	if got := text(rows[2][8]); got != "paused" {
		t.Errorf("a paused clock's cell reads %q", got)
	}
	if got := text(rows[3][8]); got != "breached" {
		t.Errorf("a breached ticket without a running clock reads %q", got)
	}
}

// attrOf is the value of n's attribute k, and whether it has one.
func attrOf(n *html.Node, k string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == k {
			return a.Val, true
		}
	}
	return "", false
}

// templateRows is the queue's rows as the template wrote them before
// queueRows (and the status, priority and due partials of then): the
// reference queueRows must keep to.
const templateRows = `{{define "status"}}<span class="st st-{{.}}">{{label (print .)}}</span>{{end}}` +
	`{{define "prio"}}<span class="pr pr-{{.}}" title="{{prioName .}}">{{.}}</span>{{end}}` +
	`{{define "due"}}{{if not .At.IsZero}}<time class="due due-{{.State}}" datetime="{{iso .At}}" data-due="{{iso .At}}"{{if not .Warn.IsZero}} data-warn="{{iso .Warn}}"{{end}} title="Due {{when .At}}">{{.Text}}</time>{{if .Breached}} <span class="due-flag" title="An SLA target of this ticket was breached">breached</span>{{end}}{{else if .Paused}}<span class="due due-paused" title="The SLA clock is paused while the ticket is pending or on hold">paused</span>{{else if .Breached}}<span class="due-flag">breached</span>{{else}}<span class="muted">—</span>{{end}}{{end}}` +
	`<table><tbody>{{range .Tickets}}
      <tr data-href="/tickets/{{.Number}}" data-number="{{.Number}}">
        <td class="pick"><input type="checkbox" name="n" value="{{.Number}}" aria-label="Select {{.Reference}}"{{if index $.Bulk.Selected .Number}} checked{{end}}></td>
        <td class="num">{{.Reference}}</td>
        <td class="subj"><span class="subj-line"><a href="/tickets/{{.Number}}" title="{{.Subject}}">{{.Subject}}</a>{{range .Tags}} <span class="tag">{{.}}</span>{{end}}</span></td>
        <td class="opt">{{if .Requester.Name}}{{.Requester.Name}}{{else}}{{.Requester.Email}}{{end}}</td>
        <td>{{template "status" .Status}}</td>
        <td>{{template "prio" .Priority}}</td>
        <td class="opt">{{with .Assignee}}{{if .Name}}{{.Name}}{{else}}{{.Email}}{{end}}{{else}}<span class="muted">—</span>{{end}}</td>
        <td class="opt">{{with .Team}}{{.Name}}{{else}}<span class="muted">—</span>{{end}}</td>
        <td class="due-col">{{template "due" index $.Dues .ID}}</td>
        <td class="opt"><time datetime="{{iso .UpdatedAt}}" title="{{when .UpdatedAt}}">{{ago .UpdatedAt}}</time></td>
      </tr>
    {{end}}</tbody></table>`

// TestQueueRowsAsTheTemplateWroteThem: for random pages of tickets with
// hostile values in every field, in several time zones, queueRows gives
// the same document as the template it replaced (parsed, whitespace
// between cells aside).
func TestQueueRowsAsTheTemplateWroteThem(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	word := func() string {
		return pick("", "Printer", `<script>alert(1)</script>`, `"quoted" & 'single'`, "a+b=c", "`tick`", "{{.}}",
			"javascript:alert(1)", "line\nbreak", "\u2028", "<b>bold</b>", "x\x00y", "café")
	}
	now := time.Now()
	for _, zone := range []string{"UTC", "America/New_York", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		old := template.Must(template.New("rows").Funcs(funcMap(nil, loc)).Parse(templateRows))
		for page := 0; page < 100; page++ {
			var ts []*ticket.Ticket
			dues, selected := map[int64]dueCell{}, map[int64]bool{}
			for i := range r.IntN(6) {
				tk := &ticket.Ticket{ID: int64(i + 1), Number: int64(1000 + i), Reference: pick("#", "INC-", "<") + fmt.Sprint(1000+i) + word(),
					Subject: word(), Status: ticket.Status(pick("new", "open", "pending", "on_hold", "resolved", "closed")),
					Priority: ticket.Priority(1 + r.IntN(4)), Requester: ticket.Person{Name: word(), Email: word() + "@example.test"},
					UpdatedAt: now.Add(-time.Duration(r.IntN(90*24*60)) * time.Minute)}
				for range r.IntN(3) {
					tk.Tags = append(tk.Tags, word())
				}
				if r.IntN(3) > 0 {
					tk.Assignee = &ticket.Person{Name: word(), Email: word() + "@example.test"}
				}
				if r.IntN(3) > 0 {
					tk.Team = &ticket.Ref{Name: word()}
				}
				if r.IntN(2) == 0 {
					selected[tk.Number] = true
				}
				if r.IntN(4) > 0 {
					d := dueCell{State: ticket.DueState(pick("ok", "warn", "overdue", `"><x`)), Text: word(), Paused: r.IntN(2) == 0, Breached: r.IntN(2) == 0}
					if r.IntN(2) == 0 {
						d.At = now.Add(time.Duration(r.IntN(4000)-2000) * time.Minute)
						if r.IntN(2) == 0 {
							d.Warn = d.At.Add(-time.Hour)
						}
					}
					dues[tk.ID] = d
				}
				ts = append(ts, tk)
			}
			var want strings.Builder
			data := map[string]any{"Tickets": ts, "Dues": dues, "Bulk": map[string]any{"Selected": selected}}
			if err := old.Execute(&want, data); err != nil {
				t.Fatal(err)
			}
			got := "<table><tbody>" + string(queueRows(loc)(ts, dues, selected)) + "</tbody></table>"
			if w, g := domOf(t, want.String()), domOf(t, got); w != g {
				t.Fatalf("%s, page %d: the rows differ from the template's\nwant %s\ngot  %s", zone, page, w, g)
			}
		}
	}
}

// domOf writes a document's parse as tags, attributes and text, leaving
// out text that is only whitespace (between a table's cells).
func domOf(t *testing.T, doc string) string {
	t.Helper()
	n, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if strings.TrimSpace(n.Data) != "" {
				fmt.Fprintf(&b, "%q", n.Data)
			}
		case html.ElementNode:
			fmt.Fprintf(&b, "<%s", n.Data)
			for _, a := range n.Attr {
				fmt.Fprintf(&b, " %s=%q", a.Key, a.Val)
			}
			b.WriteString(">")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode {
			fmt.Fprintf(&b, "</%s>", n.Data)
		}
	}
	walk(n)
	return b.String()
}
