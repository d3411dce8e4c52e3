package outbox_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var link = regexp.MustCompile(`https?://[^\s"'<>]+`)

// No email links to a page that does not exist: every link in every kind
// of email the default templates render, for agents and requesters alike,
// answers a signed-in agent with something other than 404 on a running
// server.
func TestEveryLinkInDefaultEmailsExists(t *testing.T) {
	env := apptest.Server(t, apptest.DB(t, db.SQLite))
	n, err := outbox.NewNotifier(env.Outbox, outbox.Config{FromAddress: "support@docket.test", BaseURL: env.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n.Register(env.Tickets)
	var mentioned int64
	env.Tickets.OnWrite(func(ctx context.Context, tx *db.Tx, w ticket.Write) error { // mention (the notify package decides who)
		if w.Message != nil && w.Message.Internal {
			return n.Mention(ctx, tx, w, mentioned)
		}
		return nil
	})
	agent := apptest.User(t, env.Services, user.RoleAgent, "")
	other := apptest.User(t, env.Services, user.RoleAgent, "")
	tk := apptest.Ticket(t, env.Services, agent, emailTicket) // ack
	email := other.Email
	mentioned = other.ID
	if _, err := env.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Have a look.", Internal: true}); err != nil { // mention
		t.Fatal(err)
	}
	if _, err := env.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Assignee: &email}, 0); err != nil { // assignment
		t.Fatal(err)
	}
	req, err := env.Users.Actor(ctx, tk.Requester.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Tickets.Reply(ctx, req, tk.Number, ticket.NewReply{Body: "Still broken.", Channel: ticket.ChannelPortal}); err != nil { // requester notice
		t.Fatal(err)
	}
	st, res := ticket.StatusResolved, ticket.ResolutionFixed
	if _, err := env.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Fixed.", Status: st, Resolution: res}); err != nil { // reply, resolution
		t.Fatal(err)
	}
	if err := env.DB.WithTx(ctx, func(tx *db.Tx) error { // sla_breach
		now, err := env.Tickets.ByIDTx(ctx, tx, tk.ID)
		if err != nil {
			return err
		}
		return n.SLABreach(ctx, tx, now, other.ID, "first response", "Gold")
	}); err != nil {
		t.Fatal(err)
	}

	rows, err := env.DB.R.QueryContext(ctx, env.DB.Rebind(`SELECT kind, body_text, body_html FROM outbox WHERE ticket_id = $1`), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kinds, links []string
	for rows.Next() {
		var kind, text, html string
		if err := rows.Scan(&kind, &text, &html); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, kind)
		if (kind == outbox.KindAck || kind == outbox.KindResolution) && !strings.Contains(text, env.URL+"/portal/t/"+tk.UID) {
			t.Errorf("the %s email does not link to the portal:\n%s", kind, text)
		}
		links = append(links, link.FindAllString(text+" "+html, -1)...)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, k := range outbox.Kinds {
		if !slices.Contains(kinds, k) {
			t.Fatalf("no %s email among %v", k, kinds)
		}
	}
	if len(links) == 0 {
		t.Fatal("no links at all: the agents' notices link to the ticket")
	}
	if !slices.Contains(links, env.URL+"/portal/t/"+tk.UID) {
		t.Errorf("no email links the requester to the portal: %v", links)
	}
	secret, _, err := env.Auth.StartSession(ctx, other.ID, "", "")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, l := range links {
		r, err := http.NewRequest(http.MethodGet, l, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(l, "/portal/") {
			r.AddCookie(&http.Cookie{Name: "docket_session", Value: secret})
		} // a requester's link works for them signed out too
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Errorf("an email links to %s: 404", l)
		}
	}
}
