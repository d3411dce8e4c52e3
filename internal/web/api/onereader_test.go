package api_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
)

// TestReadsTakeOneConnection: every read of the API is answered on a
// SQLite desk whose read pool has a single connection. A read that held
// its connection while it ran another statement on the pool (a query
// inside another's rows, a snapshot reading outside itself) would wait
// for itself here; with a small pool under load (db.defaultReadConns:
// four readers on two cores) it would wait on the other requests, and
// with as many such requests as readers, forever.
func TestReadsTakeOneConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: t.TempDir(), ReadConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, d)
	tk := f.ticket(t, client.NewTicket{Subject: "Printer offline on the third floor", Body: "The printer says offline."})
	for _, m := range []client.NewMessage{{Body: "Restarted the printer, still offline."}, {Body: "Checking the queue.", Internal: true}} {
		if _, err := f.admin.Reply(ctx, tk.Number, m); err != nil {
			t.Fatal(err)
		}
	}
	f.ticket(t, client.NewTicket{Subject: "VPN drops", Body: "The VPN drops every hour."})
	apptest.Pumped(t, f.Services)

	n := "/api/v1/tickets/" + strconv.FormatInt(tk.Number, 10)
	paths := []string{
		"/api/v1/tickets", "/api/v1/tickets?sort=priority&limit=1", "/api/v1/tickets?sort=due_at",
		"/api/v1/tickets?q=printer", "/api/v1/tickets?q=printer&sort=relevance", "/api/v1/tickets?q=printer+offline&sort=relevance",
		"/api/v1/tickets?q=printer&status=open,new&sort=-priority",
		n, n + "/messages", n + "/events", n + "/links", n + "/draft",
		"/api/v1/users", "/api/v1/teams", "/api/v1/organizations", "/api/v1/categories", "/api/v1/custom-fields",
		"/api/v1/audit", "/api/v1/reports/sla?from=2026-01-01&to=2027-01-01&group_by=team",
		"/api/v1/reports/satisfaction?from=2026-01-01&to=2027-01-01", "/api/v1/notifications",
		"/api/v1/notifications/preferences", "/api/v1/jobs", "/api/v1/jobs/stats", "/api/v1/kb/articles",
		"/api/v1/kb/categories", "/api/v1/mail/inbound", "/api/v1/mail/quarantine", "/api/v1/mail/templates",
		"/api/v1/mailboxes", "/api/v1/macros", "/api/v1/triggers", "/api/v1/webhooks", "/api/v1/sla-policies",
		"/api/v1/time-rules", "/api/v1/tokens", "/api/v1/canned-responses", "/api/v1/calendars", "/api/v1/web-forms",
	}
	token := apptest.Token(t, f.Services, f.Admin)
	for _, path := range paths {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, f.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatalf("GET %s on one reader: %v", path, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		if res.StatusCode != http.StatusOK && !(path == n+"/draft" && res.StatusCode == http.StatusNotFound) {
			t.Errorf("GET %s on one reader: %d %s", path, res.StatusCode, body)
		}
	}
}
