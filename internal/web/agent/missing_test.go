package agent_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// A ticket that came in by mail without a required field says so on its
// page, and the queue's filter panel finds such tickets.
func TestMissingRequiredFieldsOnTheTicketPageAndQueue(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	key, label, typ, req := "os", "Operating <system>", ticket.FieldText, true
	if _, err := e.Tickets.CreateFieldDef(ctx, e.Admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Required: &req}); err != nil {
		t.Fatal(err)
	}
	mb := supportMailbox(t, e)
	res, err := e.Services.Importer.Import(ctx, mb, rawMail("rita@example.org", "Mail without it", "miss1@x", "", "Help"))
	if err != nil || res.Ticket == 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	b, agent := signIn(t, e, user.RoleAgent)
	filled := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) {
		n.Subject = "Filled in"
		n.CustomFields = map[string]any{"os": "Linux"}
	})
	_, body, _ := b.get("/tickets/" + itoa(res.Ticket))
	if !strings.Contains(body, `id="missing-fields"`) || !strings.Contains(body, "<strong>Operating &lt;system&gt;</strong>") ||
		!strings.Contains(body, `id="missing-badge"`) || !strings.Contains(body, `id="cf-missing-os"`) {
		t.Fatalf("ticket page does not show the missing field:\n%s", body)
	}
	if _, body, _ := b.get("/tickets/" + itoa(filled.Number)); strings.Contains(body, `id="missing-fields"`) {
		t.Fatal("a ticket with the field filled in shows it as missing")
	}
	code, _, h := b.get("/tickets?" + url.Values{"filter": {"1"}, "f_missing": {"required"}}.Encode())
	loc, _ := url.Parse(h.Get("Location"))
	if code != 303 || loc.Query().Get("q") != "missing:required" {
		t.Fatalf("filter panel: %d %q", code, loc.Query().Get("q"))
	}
	_, body, _ = b.get(h.Get("Location"))
	if !strings.Contains(body, "Mail without it") || strings.Contains(body, "Filled in") {
		t.Fatalf("missing:required queue:\n%s", body)
	}
}
