package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
)

type webhookOut struct {
	ID               int64    `json:"id"`
	URL              string   `json:"url"`
	Events           []string `json:"events"`
	HasSecret        bool     `json:"has_secret"`
	Enabled          bool     `json:"enabled"`
	AllowPrivateHost bool     `json:"allow_private_host"`
	CreatedBy        *string  `json:"created_by"`
}

type deliveryOut struct {
	ID         int64   `json:"id"`
	EventKind  string  `json:"event_kind"`
	Ticket     *int64  `json:"ticket"`
	State      string  `json:"state"`
	StatusCode *int    `json:"status_code"`
	ResponseMS *int64  `json:"response_ms"`
	Redelivery *int64  `json:"redelivery_of"`
	Error      *string `json:"error"`
}

const apiSecret = "whsec-api-test-0123456789"

func TestWebhooksAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		get := func(c *client.Client, path string, out any) error {
			_, err := c.Do(ctx, "GET", path, nil, out)
			return err
		}
		rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) }))
		t.Cleanup(rcv.Close)
		var wh webhookOut
		resp, err := f.admin.Do(ctx, "POST", "/api/v1/webhooks", map[string]any{"url": rcv.URL + "/in",
			"events": []string{"ticket.created", "message.created"}, "secret": apiSecret, "allow_private_host": true}, &wh)
		if err != nil || resp.Status != http.StatusCreated {
			t.Fatalf("create: %v", err)
		}
		if wh.URL != rcv.URL+"/in" || !wh.HasSecret || !wh.Enabled || !wh.AllowPrivateHost || len(wh.Events) != 2 ||
			wh.CreatedBy == nil || *wh.CreatedBy != f.Admin.Email {
			t.Fatalf("webhook = %+v", wh)
		}
		path := fmt.Sprintf("/api/v1/webhooks/%d", wh.ID)

		// The secret is write-only: never answered, never in the audit log,
		// sealed in the database.
		var one, all, patched map[string]any
		check(t, get(f.admin, path, &one))
		check(t, get(f.admin, "/api/v1/webhooks", &all))
		_, err = f.admin.Do(ctx, "PATCH", path, map[string]any{"secret": apiSecret + "-rotated"}, &patched)
		check(t, err)
		for _, v := range []any{one, all, patched} {
			if s := toJSON(t, v); strings.Contains(s, "whsec-") || strings.Contains(s, `"secret":`) {
				t.Fatalf("the secret leaked: %s", s)
			}
		}
		var leaks int
		check(t, f.DB.R.QueryRowContext(ctx, f.DB.Rebind(`SELECT (SELECT COUNT(*) FROM domain_events WHERE payload LIKE $1)
			+ (SELECT COUNT(*) FROM webhooks WHERE secret LIKE $1)`), "%whsec-%").Scan(&leaks))
		if leaks != 0 {
			t.Fatalf("the secret is stored in the clear in %d rows", leaks)
		}

		// Only admins manage webhooks.
		wantStatus(t, get(f.agentC, "/api/v1/webhooks", nil), http.StatusForbidden)
		_, err = f.agentC.Do(ctx, "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/", "events": []string{"*"},
			"secret": apiSecret}, nil)
		wantStatus(t, err, http.StatusForbidden)

		// Field errors, as problem+json, and nothing saved.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"url": "ftp://example.com/", "events": []string{"*"}, "secret": apiSecret}, "url"},
			{map[string]any{"url": "http://127.0.0.1/", "events": []string{"*"}, "secret": apiSecret}, "url"},
			{map[string]any{"url": "https://example.com/", "events": []string{"ticket.created", "ticket.exploded"}, "secret": apiSecret}, "events[1]"},
			{map[string]any{"url": "https://example.com/", "events": []string{}, "secret": apiSecret}, "events"},
			{map[string]any{"url": "https://example.com/", "secret": apiSecret}, "events"},
			{map[string]any{"url": "https://example.com/", "events": []string{"*"}}, "secret"},
			{map[string]any{"url": "https://example.com/", "events": []string{"*"}, "secret": "short"}, "secret"},
		} {
			_, err := f.admin.Do(ctx, "POST", "/api/v1/webhooks", c.body, nil)
			wantField(t, err, c.field)
		}
		r := raw(t, f.URL, apptest.Token(t, f.Services, f.Admin), "PATCH", path, "application/json", []byte(`{"events":["nope"]}`))
		if r.status != 422 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") ||
			len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "events[0]" {
			t.Fatalf("PATCH with an unknown kind: %d %s", r.status, r.body)
		}
		var count struct{ Items []webhookOut }
		check(t, get(f.admin, "/api/v1/webhooks", &count))
		if len(count.Items) != 1 {
			t.Fatalf("%d webhooks after refused writes", len(count.Items))
		}

		// Deliveries: the log pages newest first with status and time.
		_, err = f.admin.Do(ctx, "PATCH", path, map[string]any{"secret": apiSecret}, nil)
		check(t, err)
		f.ticket(t, client.NewTicket{})
		f.ticket(t, client.NewTicket{})
		var page struct {
			Items      []deliveryOut `json:"items"`
			NextCursor *string       `json:"next_cursor"`
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			check(t, get(f.admin, path+"/deliveries?limit=1", &page))
			if len(page.Items) == 1 && page.Items[0].State == "succeeded" && page.NextCursor != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries = %+v", page)
			}
			time.Sleep(50 * time.Millisecond)
		}
		d := page.Items[0]
		if d.EventKind != "ticket.created" || d.Ticket == nil || d.StatusCode == nil || *d.StatusCode != 201 || d.ResponseMS == nil {
			t.Fatalf("delivery = %+v", d)
		}
		check(t, get(f.admin, path+"/deliveries?limit=1&cursor="+*page.NextCursor, &page))
		if len(page.Items) != 1 || page.Items[0].ID >= d.ID {
			t.Fatalf("second page = %+v", page.Items)
		}

		// Redeliver makes a new delivery of the same event.
		var again deliveryOut
		resp, err = f.admin.Do(ctx, "POST", fmt.Sprintf("%s/deliveries/%d/redeliver", path, d.ID), nil, &again)
		// (It may have been sent already by the time the answer is written.)
		if err != nil || resp.Status != http.StatusAccepted || again.Redelivery == nil || *again.Redelivery != d.ID ||
			again.ID == d.ID || again.State == "failed" {
			t.Fatalf("redeliver: %+v, %v", again, err)
		}
		_, err = f.admin.Do(ctx, "POST", fmt.Sprintf("%s/deliveries/%d/redeliver", path, 999999), nil, nil)
		wantStatus(t, err, http.StatusNotFound)

		// Delete removes it.
		resp, err = f.admin.Do(ctx, "DELETE", path, nil, nil)
		if err != nil || resp.Status != http.StatusNoContent {
			t.Fatalf("delete: %v", err)
		}
		wantStatus(t, get(f.admin, path, nil), http.StatusNotFound)
	})
}
