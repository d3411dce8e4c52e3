package outbox_test

import (
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
	agent := apptest.User(t, env.Services, user.RoleAgent, "")
	other := apptest.User(t, env.Services, user.RoleAgent, "")
	tk := apptest.Ticket(t, env.Services, agent, emailTicket) // ack
	note, err := env.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Have a look.", Internal: true})
	if err != nil {
		t.Fatal(err)
	}
	st, res := ticket.StatusResolved, ticket.ResolutionFixed
	if _, err := env.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Fixed.", Status: st, Resolution: res}); err != nil { // reply, resolution
		t.Fatal(err)
	}
	// What agents are told, as the notify package writes it.
	if err := env.DB.WithTx(ctx, func(tx *db.Tx) error {
		now, err := env.Tickets.ByIDTx(ctx, tx, tk.ID)
		if err != nil {
			return err
		}
		w := ticket.Write{Ticket: now, Actor: agent}
		sla := func(d *outbox.TemplateData) { d.SLA = outbox.SLAData{Target: "first response", Policy: "Gold"} }
		for _, k := range []string{outbox.KindAssignment, outbox.KindRequesterNotice, outbox.KindTeamTicket, outbox.KindSLAWarning, outbox.KindSLABreach} {
			if err := n.Agent(ctx, tx, k, w, other.ID, sla); err != nil {
				return err
			}
		}
		return n.Agent(ctx, tx, outbox.KindMention, ticket.Write{Ticket: now, Actor: agent, Message: note}, other.ID, nil)
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
