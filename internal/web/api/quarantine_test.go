package api_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/mailbox"
)

func TestQuarantineReleaseThroughTheAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		addr := "help@example.test"
		mb, err := f.Mailboxes.Create(ctx, f.Admin, mailbox.Input{Address: &addr})
		if err != nil {
			t.Fatal(err)
		}
		f.Importer.TrustedAuthservID = "mx.example.test"
		raw := []byte("From: ceo@example.org\r\nTo: help@example.test\r\nSubject: Urgent wire\r\nMessage-ID: <q1@x>\r\n" +
			"Authentication-Results: mx.example.test; dmarc=fail header.from=example.org\r\n\r\nPay now.\r\n")
		if res, err := f.Importer.Import(ctx, mb, raw); err != nil || !res.Quarantined {
			t.Fatalf("import: %+v %v", res, err)
		}
		var held struct {
			Items []struct {
				ID     int64  `json:"id"`
				Sender string `json:"sender"`
				Reason string `json:"reason"`
			} `json:"items"`
		}
		if _, err := f.agentC.Do(ctx, "GET", "/api/v1/mail/quarantine", nil, &held); err != nil || len(held.Items) != 1 || held.Items[0].Sender != "ceo@example.org" {
			t.Fatalf("quarantine list: %+v %v", held, err)
		}
		if _, err := f.reqC.Do(ctx, "GET", "/api/v1/mail/quarantine", nil, nil); client.StatusOf(err) != 403 {
			t.Fatalf("requester reads the quarantine: %v", err)
		}
		var out struct {
			Ticket int64 `json:"ticket"`
		}
		path := "/api/v1/mail/quarantine/" + strconv.FormatInt(held.Items[0].ID, 10) + "/release"
		if _, err := f.agentC.Do(ctx, "POST", path, map[string]any{}, &out); err != nil || out.Ticket == 0 {
			t.Fatalf("release: %+v %v", out, err)
		}
		if _, err := f.agentC.Do(ctx, "POST", path, map[string]any{}, nil); client.StatusOf(err) != 404 {
			t.Fatalf("second release: %v", err)
		}
	})
}
