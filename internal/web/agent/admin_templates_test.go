package agent_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/user"
)

func TestAdminTemplates(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	admin, _ := signIn(t, e, user.RoleAdmin)
	agent, _ := signIn(t, e, user.RoleAgent)

	code, body, _ := admin.get("/admin/templates")
	want := []string{`href="/admin/templates"`}
	for _, k := range outbox.Kinds {
		want = append(want, `href="/admin/templates/`+k+`"`)
	}
	admExpect(t, "list", code, body, 200, want...)

	code, body, _ = admin.get("/admin/templates/reply")
	admExpect(t, "edit form", code, body, 200, `id="template-form"`, `name="subject"`, `name="body"`, "{{.Ticket.Subject}}",
		"{{.SatisfactionURL}}", "This is the default template.")
	if code, _, _ := admin.get("/admin/templates/nope"); code != http.StatusNotFound {
		t.Errorf("unknown key: %d", code)
	}

	// Save.
	code, _, h := admSubmit(admin, "/admin/templates/reply", "subject", "Re: {{.Ticket.Subject}} (edited)", "body", "Hi {{.Recipient.Name}},\n\n{{.Message}}\n")
	if code != http.StatusSeeOther || h.Get("Location") != "/admin/templates/reply" {
		t.Fatalf("save: %d %s", code, h.Get("Location"))
	}
	tpl, err := e.Outbox.Templates().Get(ctx, e.Admin, "reply")
	if err != nil || tpl.Default || tpl.Subject != "Re: {{.Ticket.Subject}} (edited)" || tpl.Body != "Hi {{.Recipient.Name}},\n\n{{.Message}}\n" {
		t.Fatalf("saved template: %+v %v", tpl, err)
	}
	code, body, _ = admin.get("/admin/templates/reply")
	admExpect(t, "after save", code, body, 200, "Saved template reply.", "(edited)", `id="reset-form"`)
	code, body, _ = admin.get("/admin/templates")
	admExpect(t, "list after save", code, body, 200, "Edited ")

	// A template that does not render is refused with the message.
	code, body, _ = admSubmit(admin, "/admin/templates/reply", "subject", "{{.Ticket.Nope}}", "body", "{{if}}")
	admExpect(t, "invalid", code, body, http.StatusUnprocessableEntity, "Nope", "{{.Ticket.Nope}}", `<p class="err" role="alert" id="err-`)
	if tpl, _ = e.Outbox.Templates().Get(ctx, e.Admin, "reply"); tpl.Subject != "Re: {{.Ticket.Subject}} (edited)" {
		t.Fatal("a refused template was stored")
	}
	code, body, _ = admSubmit(admin, "/admin/templates/reply", "subject", "", "body", "x")
	admExpect(t, "empty subject", code, body, http.StatusUnprocessableEntity, "Is required.")
	// Templates are bounded in size and in rendering.
	code, body, _ = admSubmit(admin, "/admin/templates/reply", "subject", "Hi", "body", strings.Repeat("x", outbox.MaxTemplateBytes+1))
	admExpect(t, "too big", code, body, http.StatusUnprocessableEntity, "at most 64 KiB")
	code, body, _ = admSubmit(admin, "/admin/templates/reply", "subject", "Hi", "body", "{{range 1000000000000}}{{end}}")
	admExpect(t, "endless loop", code, body, http.StatusUnprocessableEntity, "longer than")

	// Agents may not look or touch.
	for _, p := range []string{"/admin/templates", "/admin/templates/reply"} {
		if code, _, _ := agent.get(p); code != http.StatusForbidden {
			t.Errorf("GET %s as agent: %d", p, code)
		}
	}
	for _, p := range []string{"/admin/templates/reply", "/admin/templates/reply/reset"} {
		if code, _, _ := admSubmit(agent, p, "subject", "evil", "body", "evil"); code != http.StatusForbidden {
			t.Errorf("POST %s as agent: %d", p, code)
		}
	}
	if tpl, _ = e.Outbox.Templates().Get(ctx, e.Admin, "reply"); tpl.Subject != "Re: {{.Ticket.Subject}} (edited)" {
		t.Fatal("an agent changed the template")
	}

	// Restore default.
	code, _, h = admSubmit(admin, "/admin/templates/reply/reset")
	if code != http.StatusSeeOther || h.Get("Location") != "/admin/templates/reply" {
		t.Fatalf("reset: %d %s", code, h.Get("Location"))
	}
	def, _ := outbox.DefaultTemplate("reply")
	if tpl, _ = e.Outbox.Templates().Get(ctx, e.Admin, "reply"); !tpl.Default || tpl.Subject != def.Subject {
		t.Fatalf("after reset: %+v", tpl)
	}
	code, body, _ = admin.get("/admin/templates/reply")
	admExpect(t, "after reset", code, body, 200, "Restored the default template reply.", "This is the default template.")
	if strings.Contains(body, `id="reset-form"`) {
		t.Fatal("the default template offers a reset")
	}
}
