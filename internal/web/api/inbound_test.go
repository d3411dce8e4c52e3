package api_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/mailbox"
)

type inboundItem struct {
	ID        int64   `json:"id"`
	Sender    string  `json:"sender"`
	Subject   string  `json:"subject"`
	State     string  `json:"state"`
	Reason    string  `json:"reason"`
	Decision  string  `json:"decision"`
	Ticket    *int64  `json:"ticket"`
	RawURL    *string `json:"raw_url"`
	DecidedBy *struct {
		Email string `json:"email"`
	} `json:"decided_by"`
}

func TestInboundMailThroughTheAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		addr := "help@example.test"
		mb, err := f.Mailboxes.Create(ctx, f.Admin, mailbox.Input{Address: &addr})
		check(t, err)
		for _, m := range []string{
			"To: help@example.test\r\nSubject: Nobody <b>wrote</b> this\r\nMessage-ID: <anon1@x>\r\n\r\nHello?\r\n",
			"To: help@example.test\r\nSubject: Nobody again\r\nMessage-ID: <anon2@x>\r\n\r\nHello again?\r\n",
			"From: help@example.test\r\nTo: help@example.test\r\nSubject: Mail loop\r\nMessage-ID: <s1@x>\r\n\r\nloop\r\n",
		} {
			if res, err := f.Importer.Import(ctx, mb, []byte(m)); err != nil || res.Ticket != 0 {
				t.Fatalf("import: %+v %v", res, err)
			}
		}
		var page struct {
			Items      []inboundItem `json:"items"`
			NextCursor *string       `json:"next_cursor"`
		}
		if _, err := f.agentC.Do(ctx, "GET", "/api/v1/mail/inbound?limit=2", nil, &page); err != nil || len(page.Items) != 2 || page.NextCursor == nil {
			t.Fatalf("first page: %+v %v", page, err)
		}
		first := page.Items
		if _, err := f.agentC.Do(ctx, "GET", "/api/v1/mail/inbound?limit=2&cursor="+*page.NextCursor, nil, &page); err != nil ||
			len(page.Items) != 1 || page.NextCursor != nil {
			t.Fatalf("second page: %+v %v", page, err)
		}
		anon := first[1] // newest first: the loop, then the second "Nobody" message
		if anon.State != "rejected" || !strings.Contains(anon.Reason, "no sender") || anon.RawURL == nil || anon.Ticket != nil {
			t.Fatalf("item: %+v", anon)
		}
		for _, bad := range []string{"?state=lost", "?colour=red", "?cursor=nope"} {
			if _, err := f.agentC.Do(ctx, "GET", "/api/v1/mail/inbound"+bad, nil, nil); client.StatusOf(err) != 422 {
				t.Fatalf("%s: %v", bad, err)
			}
		}
		if _, err := f.reqC.Do(ctx, "GET", "/api/v1/mail/inbound", nil, nil); client.StatusOf(err) != 403 {
			t.Fatalf("requester lists inbound mail: %v", err)
		}

		// The raw message downloads as an attachment, never inline.
		req, _ := http.NewRequest("GET", f.URL+*anon.RawURL, nil)
		req.Header.Set("Authorization", "Bearer "+apptest.Token(t, f.Services, f.agent))
		resp, err := http.DefaultClient.Do(req)
		check(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "message/rfc822" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(string(body), "Hello again?") {
			t.Fatalf("raw: %d %v %q", resp.StatusCode, resp.Header, body)
		}

		base := "/api/v1/mail/inbound/" + strconv.FormatInt(anon.ID, 10)
		if _, err := f.agentC.Do(ctx, "POST", base+"/file", map[string]any{}, nil); client.FieldErrorFor(err, "requester") == "" {
			t.Fatalf("file without a requester: %v", err)
		}
		if _, err := f.agentC.Do(ctx, "POST", base+"/file", map[string]any{"requester": "not an address"}, nil); client.FieldErrorFor(err, "requester") == "" {
			t.Fatalf("file with a bad requester: %v", err)
		}
		if _, err := f.reqC.Do(ctx, "POST", base+"/discard", map[string]any{}, nil); client.StatusOf(err) != 403 {
			t.Fatalf("requester discards: %v", err)
		}
		var item inboundItem
		if _, err := f.agentC.Do(ctx, "POST", base+"/file", map[string]any{"requester": "walk-in@example.org"}, &item); err != nil ||
			item.State != "filed" || item.Ticket == nil || item.DecidedBy == nil || item.DecidedBy.Email != f.agent.Email {
			t.Fatalf("file: %+v %v", item, err)
		}
		if _, err := f.agentC.Do(ctx, "POST", base+"/discard", map[string]any{}, nil); client.StatusOf(err) != 409 {
			t.Fatalf("discard filed mail: %v", err)
		}

		// The other one: attach needs a ticket the agent can see.
		other := "/api/v1/mail/inbound/" + strconv.FormatInt(first[0].ID, 10)
		for _, body := range []map[string]any{{}, {"ticket": "twelve"}, {"ticket": 999999}} {
			if _, err := f.agentC.Do(ctx, "POST", other+"/attach", body, nil); client.FieldErrorFor(err, "ticket") == "" {
				t.Fatalf("attach %v: %v", body, err)
			}
		}
		if _, err := f.agentC.Do(ctx, "POST", other+"/discard", map[string]any{}, &item); err != nil || item.State != "discarded" ||
			item.DecidedBy == nil || !strings.Contains(item.Decision, "discarded by") {
			t.Fatalf("discard: %+v %v", item, err)
		}
		var one inboundItem
		if _, err := f.agentC.Do(ctx, "GET", other, nil, &one); err != nil || one.State != "discarded" || one.Reason == "" {
			t.Fatalf("discarded item: %+v %v", one, err)
		}
		if _, err := f.agentC.Do(ctx, "GET", "/api/v1/mail/inbound?state=discarded", nil, &page); err != nil || len(page.Items) != 1 {
			t.Fatalf("discarded list: %+v %v", page, err)
		}
	})
}
