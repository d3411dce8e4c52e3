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

func TestCustomFieldsInForms(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		ctx := context.Background()
		def := func(key string, typ ticket.FieldType, required bool, opts ...string) {
			label := strings.ToUpper(key[:1]) + key[1:]
			in := ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Required: &required}
			if len(opts) > 0 {
				in.Options = &opts
			}
			if _, err := e.Tickets.CreateFieldDef(ctx, e.Admin, in); err != nil {
				t.Fatal(err)
			}
		}
		def("os", ticket.FieldSelect, true, "linux", "windows")
		def("seats", ticket.FieldNumber, false)
		def("vip", ticket.FieldCheckbox, false)
		b, agent := signIn(t, e, user.RoleAgent)
		_, body, _ := b.get("/tickets/new")
		if !strings.Contains(body, `name="cf.os"`) || !strings.Contains(body, `name="cf.seats"`) {
			t.Fatal("new-ticket form lacks the custom fields")
		}
		form := url.Values{"_csrf": {b.csrf}, "requester": {"r@example.test"}, "subject": {"Laptop"}, "body": {"New laptop"},
			"type": {"incident"}, "priority": {"p3"}, "cf.seats": {"3"}}
		if code, body, _ := b.post("/tickets/new", form); code != 422 || !strings.Contains(body, "Is required.") {
			t.Fatalf("missing required custom field: %d", code)
		}
		form.Set("cf.os", "linux")
		code, _, h := b.post("/tickets/new", form)
		if code != 303 {
			t.Fatalf("create with custom fields: %d", code)
		}
		n, _ := ticket.ParseNumber(strings.TrimPrefix(h.Get("Location"), "/tickets/"))
		tk, _ := e.Tickets.Get(ctx, agent, n)
		if tk.CustomFields["os"] != "linux" || tk.CustomFields["seats"] != float64(3) {
			t.Fatalf("custom fields = %v", tk.CustomFields)
		}
		// Edit them in the side panel: tick a checkbox, clear a number.
		path := "/tickets/" + itoa(n)
		b.get(path)
		code, _, _ = b.post(path+"/update", url.Values{"_csrf": {b.csrf}, "version": {itoa(tk.Version)},
			"cf.os": {"linux"}, "cf.seats": {""}, "cf_present.vip": {"1"}, "cf.vip": {"1"}})
		tk, _ = e.Tickets.Get(ctx, agent, n)
		if code != 303 || tk.CustomFields["vip"] != true || tk.CustomFields["seats"] != nil {
			t.Fatalf("edit custom fields: %d %v", code, tk.CustomFields)
		}
		if code, body, _ := b.post(path+"/update", url.Values{"_csrf": {b.csrf}, "version": {itoa(tk.Version)}, "cf.os": {"beos"}}); code != 422 || !strings.Contains(body, "Must be one of: linux, windows.") {
			t.Fatalf("bad select value: %d", code)
		}
	})
}
