package agent

import (
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
		t.Fatalf("%d rows of %d cells, want 4 of 10:\n%s", len(rows), len(rows[0]), out)
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
