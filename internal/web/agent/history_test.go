package agent_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var tagRe = regexp.MustCompile(`<[^>]+>`)

// section returns the text of the element with id (to the end of its
// closing tag name), tags stripped and spaces collapsed.
func section(t *testing.T, body, open, close string) string {
	t.Helper()
	i := strings.Index(body, open)
	if i < 0 {
		t.Fatalf("no %s in the page", open)
	}
	j := strings.Index(body[i:], close)
	if j < 0 {
		t.Fatalf("%s does not end", open)
	}
	txt := tagRe.ReplaceAllString(body[i:i+j], " ")
	return strings.Join(strings.Fields(txt), " ")
}

// TestHistoryInWords: history shows labels and names, never stored codes,
// emails of agents or internal ids, and the conversation can show it in
// place.
func TestHistoryInWords(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, me := signIn(t, e, user.RoleAgent)
	carol := newAgent(t, e, "carol@example.test", "Carol Chen")
	key, label, typ := "asset_tag", "Asset tag", ticket.FieldText
	if _, err := e.Tickets.CreateFieldDef(ctx, e.Admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ}); err != nil {
		t.Fatal(err)
	}
	problem := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Type = ticket.Problem })
	tk := apptest.Ticket(t, e.Services, e.Admin)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.Tickets.AddLink(ctx, me, tk.Number, ticket.LinkCausedBy, problem.Number))
	_, err := e.Tickets.Reply(ctx, me, tk.Number, ticket.NewReply{Body: "Looking into it."})
	must(err)
	_, err = e.Tickets.Reply(ctx, me, tk.Number, ticket.NewReply{Body: "Carol knows this printer.", Internal: true})
	must(err)
	asg, prio, imp, urg := carol.Email, "p2", ticket.Low, ticket.High
	_, err = e.Tickets.Update(ctx, me, tk.Number, ticket.Patch{Assignee: &asg, Priority: &prio, Impact: &imp, Urgency: &urg,
		CustomFields: map[string]any{key: "PRN-0042"}}, 0)
	must(err)
	must(e.Tickets.RemoveLink(ctx, me, tk.Number, problem.Number))

	_, body, _ := b.get("/tickets/" + itoa(tk.Number))
	hist := section(t, body, `id="history"`, `</details>`)
	ref := problem.Reference
	for _, want := range []string{
		"created the ticket",
		"linked " + ref + " as caused by",
		"replied",
		"added an internal note",
		"set Assignee to Carol Chen",
		"changed Priority from",
		"P2 · high",
		"set Urgency to High",
		"set Impact to Low",
		"set Asset tag to PRN-0042",
		"removed the link to " + ref + " (caused by)",
	} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	for _, bad := range []string{"caused_by", "custom_fields", "carol@example.test", "added a reply", "added a note", "“"} {
		if strings.Contains(hist, bad) {
			t.Errorf("history shows the stored %q:\n%s", bad, hist)
		}
	}
	// The reply's entry links to the message; the link's to the ticket.
	if !regexp.MustCompile(`<a href="#m-[0-9a-f-]+">replied</a>`).MatchString(body) {
		t.Error("the reply's history entry does not link to the reply")
	}
	if !strings.Contains(body, `<a href="/tickets/`+itoa(problem.Number)+`">`+ref+`</a> as caused by`) {
		t.Error("the link's history entry does not link to the other ticket")
	}

	// In the conversation: a toggle, and each change in place between the
	// messages (the link before the reply, the assignment after the note).
	if !strings.Contains(body, `id="show-history"`) {
		t.Fatal("no toggle to show history in the conversation")
	}
	conv := section(t, body, `id="conversation"`, `</section>`)
	link, reply, note, assign := strings.Index(conv, "linked "+ref), strings.Index(conv, "Looking into it."),
		strings.Index(conv, "Carol knows this printer."), strings.Index(conv, "set Assignee to Carol Chen")
	if link < 0 || assign < 0 || !(link < reply && reply < note && note < assign) {
		t.Errorf("history is not interleaved in time order (link %d, reply %d, note %d, assignment %d):\n%s", link, reply, note, assign, conv)
	}
	if strings.Contains(conv, "replied") {
		t.Error("the conversation repeats its own messages as history")
	}
}
