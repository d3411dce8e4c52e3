package agent_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

func TestAdminWebhooks(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.ServerWith(t, d, func(s *app.Services) {
			s.Webhooks.Configure(webhook.Options{FirstRetry: 100 * time.Millisecond, RetryWindow: 400 * time.Millisecond})
		})
		admin, _ := signIn(t, e, user.RoleAdmin)
		agent, _ := signIn(t, e, user.RoleAgent)
		const secret = "page-secret-0123456789"
		ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
		t.Cleanup(ok.Close)
		var mended atomic.Bool // the receiver's owner fixed it
		broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if mended.Load() {
				w.WriteHeader(200)
				return
			}
			w.WriteHeader(502)
			fmt.Fprint(w, "<script>alert(1)</script>")
		}))
		t.Cleanup(broken.Close)
		wait := func(what string, cond func(body string) bool, path string) string {
			t.Helper()
			deadline := time.Now().Add(15 * time.Second)
			for {
				_, body, _ := admin.get(path)
				if cond(body) {
					return body
				}
				if time.Now().After(deadline) {
					t.Fatalf("timed out waiting for %s", what)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}

		code, _, _ := agent.get("/admin/webhooks")
		admExpect(t, "agent", code, "", http.StatusForbidden)
		code, body, _ := admin.get("/admin/webhooks")
		admExpect(t, "empty list", code, body, 200, "No webhooks yet.", `href="/admin/webhooks"`)
		code, body, _ = admin.get("/admin/webhooks/new")
		admExpect(t, "new form", code, body, 200, `id="webhook-form"`, `value="ticket.created"`, `value="mailbox.updated"`)

		// Refused input: field errors, the form kept, the secret not echoed.
		for _, c := range []struct {
			kv   []string
			want string
		}{
			{[]string{"url", ok.URL, "secret", secret, "events", "ticket.created", "enabled", "1"}, "loopback"},
			{[]string{"url", "gopher://example.com/", "secret", secret, "all", "1"}, "Must start with http://"},
			{[]string{"url", "https://example.com/", "secret", secret}, "Must name at least one event kind"},
			{[]string{"url", "https://example.com/", "secret", secret, "events", "ticket.exploded"}, "Unknown event kind"},
			{[]string{"url", "https://example.com/", "secret", "short", "all", "1"}, "at least 16 characters"},
		} {
			code, body, _ := admSubmit(admin, "/admin/webhooks/new", c.kv...)
			admExpect(t, c.want, code, body, http.StatusUnprocessableEntity, c.want, `class="err"`)
			if _, problems := undescribedErrors(t, body); len(problems) > 0 {
				t.Errorf("%s: errors not tied to their fields: %v", c.want, problems)
			}
			if strings.Contains(body, secret) {
				t.Fatalf("%s: the secret was echoed", c.want)
			}
		}

		// Create two: one healthy, one that fails until Docket disables it.
		code, _, h := admSubmit(admin, "/admin/webhooks/new", "url", ok.URL+"/in", "secret", secret, "events", "ticket.created",
			"allow_private_host", "1", "enabled", "1")
		if code != http.StatusSeeOther {
			t.Fatalf("create: %d", code)
		}
		id := admLocationID(t, h)
		code, _, h = admSubmit(admin, "/admin/webhooks/new", "url", broken.URL, "secret", secret, "all", "1",
			"allow_private_host", "1", "enabled", "1")
		if code != http.StatusSeeOther {
			t.Fatalf("create the broken one: %d", code)
		}
		badID := admLocationID(t, h)
		apptest.Ticket(t, e.Services, e.Admin)
		page := fmt.Sprintf("/admin/webhooks/%d", id)
		body = wait("the delivery log", func(b string) bool { return strings.Contains(b, `class="wh-succeeded"`) }, page)
		admExpect(t, "delivery log", 200, body, 200, `id="delivery-log"`, `<span class="wh-status" title="HTTP status of the last attempt">200</span>`, ` ms</span>`,
			`id="redeliver-`, `placeholder="unchanged"`)
		if strings.Contains(body, secret) {
			t.Fatal("the page shows the secret")
		}

		// Redeliver.
		first := regexp.MustCompile(`id="redeliver-(\d+)"`).FindStringSubmatch(body)[1]
		code, _, h = admSubmit(admin, fmt.Sprintf("%s/deliveries/%s/redeliver", page, first))
		if code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "#deliveries") {
			t.Fatalf("redeliver: %d %s", code, h.Get("Location"))
		}
		wait("the redelivery", func(b string) bool { return strings.Contains(b, "(again #"+first+")") }, page)

		// Edit with an error keeps the form; a good edit saves.
		code, body, _ = admSubmit(admin, page, "url", ok.URL+"/in", "events", "nope", "allow_private_host", "1", "enabled", "1")
		admExpect(t, "bad edit", code, body, http.StatusUnprocessableEntity, "Unknown event kind", ok.URL+"/in")
		code, _, _ = admSubmit(admin, page, "url", ok.URL+"/v2", "events", "ticket.updated", "events", "ticket.created",
			"allow_private_host", "1", "enabled", "1")
		if code != http.StatusSeeOther {
			t.Fatalf("edit: %d", code)
		}
		got, err := e.Webhooks.Get(context.Background(), e.Admin, id)
		if err != nil || got.URL != ok.URL+"/v2" || len(got.Events) != 2 || !got.HasSecret {
			t.Fatalf("after edit: %+v %v", got, err)
		}

		// The broken one is disabled with its reason; the answer it gave is
		// shown escaped; enabling it again clears the notice.
		bad := fmt.Sprintf("/admin/webhooks/%d", badID)
		body = wait("the webhook to be disabled", func(b string) bool { return strings.Contains(b, `id="webhook-disabled"`) }, bad)
		admExpect(t, "disabled", 200, body, 200, "Disabled by Docket", "502 Bad Gateway", "&lt;script&gt;alert(1)&lt;/script&gt;",
			`id="enable-webhook"`, `class="wh-failed"`)
		if strings.Contains(body, "<script>alert(1)") {
			t.Fatal("the receiver's answer is not escaped")
		}
		_, body, _ = admin.get("/admin/webhooks")
		admExpect(t, "list", 200, body, 200, "Disabled by Docket", ok.URL+"/v2")
		// Enabling resumes the deliveries still waiting, so the receiver
		// must work by then (else they fail and disable it again).
		mended.Store(true)
		code, _, _ = admSubmit(admin, bad+"/enable")
		if code != http.StatusSeeOther {
			t.Fatalf("enable: %d", code)
		}
		_, body, _ = admin.get(bad)
		if strings.Contains(body, `id="webhook-disabled"`) {
			t.Fatal("still shown as disabled after enabling")
		}

		// Delete needs the confirmation.
		code, body, _ = admSubmit(admin, bad+"/delete")
		admExpect(t, "unconfirmed delete", code, body, http.StatusUnprocessableEntity, "Tick the box")
		code, _, _ = admSubmit(admin, bad+"/delete", "confirm", "1")
		if code != http.StatusSeeOther {
			t.Fatalf("delete: %d", code)
		}
		code, _, _ = admin.get(bad)
		admExpect(t, "deleted", code, "", http.StatusNotFound)
	})
}
