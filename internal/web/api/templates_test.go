package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/ticket"
)

func TestNotificationTemplates(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var all struct {
			Items []struct {
				Key     string `json:"key"`
				Default bool   `json:"default"`
			} `json:"items"`
		}
		if _, err := f.admin.Do(ctx, "GET", "/api/v1/mail/templates", nil, &all); err != nil || len(all.Items) != 9 || !all.Items[0].Default {
			t.Fatalf("templates: %+v %v", all, err)
		}
		_, err := f.admin.Do(ctx, "PUT", "/api/v1/mail/templates/reply", map[string]string{"subject": "{{.Nope", "body": "x"}, nil)
		if client.FieldErrorFor(err, "subject") == "" {
			t.Fatalf("broken template: %v", err)
		}
		_, err = f.admin.Do(ctx, "PUT", "/api/v1/mail/templates/reply", map[string]string{"subject": "s", "body": strings.Repeat("x", outbox.MaxTemplateBytes+1)}, nil)
		if client.StatusOf(err) != 422 || !strings.Contains(client.FieldErrorFor(err, "body"), "64 KiB") {
			t.Fatalf("oversized template: %v", err)
		}
		_, err = f.admin.Do(ctx, "PUT", "/api/v1/mail/templates/reply", map[string]string{"subject": "s", "body": "{{range 100000000}}" + strings.Repeat("0123456789abcdef", 64) + "{{end}}"}, nil)
		if client.StatusOf(err) != 422 || !strings.Contains(client.FieldErrorFor(err, "body"), "more than 1024 KiB") {
			t.Fatalf("template that expands without end: %v", err)
		}
		if _, err := f.agentC.Do(ctx, "PUT", "/api/v1/mail/templates/reply", map[string]string{"subject": "s", "body": "b"}, nil); client.StatusOf(err) != 403 {
			t.Fatalf("agent edits a template: %v", err)
		}
		if _, err := f.admin.Do(ctx, "GET", "/api/v1/mail/templates/nope", nil, nil); client.StatusOf(err) != 404 {
			t.Fatalf("unknown template: %v", err)
		}
		var got struct {
			Default bool `json:"default"`
		}
		body := "Custom reply for {{.Recipient.Name}}:\n\n{{.Message}}"
		if _, err := f.admin.Do(ctx, "PUT", "/api/v1/mail/templates/reply", map[string]string{"subject": "Re: {{.Ticket.Subject}}", "body": body}, &got); err != nil || got.Default {
			t.Fatalf("save template: %+v %v", got, err)
		}
		// The next reply email uses it.
		addr, host, tls, port := "help@example.test", "127.0.0.1", "none", 1
		if _, err := f.Mailboxes.Create(ctx, f.Admin, mailbox.Input{Address: &addr, SMTP: mailbox.ServerInput{Host: &host, Port: &port, TLS: &tls}}); err != nil {
			t.Fatal(err)
		}
		tk := apptest.Ticket(t, f.Services, f.agent, func(n *ticket.NewTicket) {
			n.Requester = &ticket.Contact{Email: "ann@example.org", Name: "Ann"}
			n.Channel = ticket.ChannelPhone
		})
		m, err := f.Tickets.Reply(ctx, f.agent, tk.Number, ticket.NewReply{Body: "Done."})
		if err != nil {
			t.Fatal(err)
		}
		var text string
		q := f.DB.Rebind(`SELECT body_text FROM outbox WHERE message_id = $1`)
		if err := f.DB.R.QueryRowContext(ctx, q, m.ID).Scan(&text); err != nil || !strings.Contains(text, "Custom reply for Ann:") {
			t.Fatalf("email text = %q (%v)", text, err)
		}
		if _, err := f.admin.Do(ctx, "DELETE", "/api/v1/mail/templates/reply", nil, nil); err != nil {
			t.Fatal(err)
		}
	})
}
