package agent_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// trForm is a posted time rule form: name, when, and rows as the trigger
// form posts them.
func trForm(name, amount, unit, since string, extra ...string) []string {
	return append([]string{"name", name, "enabled", "1", "amount", amount, "unit", unit, "since", since, "calendar", ""}, extra...)
}

// TestAdminTimeRules: Admin → Time rules lists the built-in rule that
// closes resolved tickets; the form (the trigger form's rows, ticket
// fields only, no change operators, with when the rule acts) refuses
// bad parts next to them and saves nothing; a saved rule's page lists the
// tickets it would act on now without writing; the built-in rule cannot
// be deleted, an admin's own can; agents are told the pages do not exist.
func TestAdminTimeRules(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := apptest.Server(t, d)
		admin, adminActor := signIn(t, e, user.RoleAdmin)
		agent, _ := signIn(t, e, user.RoleAgent)
		rules := e.Automation.TimeRules()

		for _, path := range []string{"/admin/time-rules", "/admin/time-rules/new"} {
			code, _, _ := agent.get(path)
			admExpect(t, "agent GET "+path, code, "", http.StatusNotFound)
		}
		code, body, _ := admin.get("/admin/time-rules")
		admExpect(t, "list", code, body, 200, "Close resolved tickets after 7 days", "Built in",
			"7 days after it was resolved, in calendar time", `href="/admin/time-rules"`, `id="new-time-rule"`)
		code, body, _ = admin.get("/admin/time-rules/new")
		admExpect(t, "new form", code, body, 200, `id="time-rule-form"`, `<option value="status" data-ops="is is_not"`,
			`<option value="status_changed">since its status last changed`, `value="add_tags" data-parts="tags"`, `<template class="trg-blank">`)
		if strings.Contains(body, `value="message.body"`) || strings.Contains(body, `value="changed_to"`) {
			t.Fatal("the time rule form offers message fields or change operators")
		}

		// Refused: each error next to its part, nothing saved.
		bad := join(trForm("Nudge <b>pending</b>", "0", "hours", "status_changed"), condKV("all", "status", "greater", "open"),
			actKV("set", "field", "requester", "value", "x@example.test"))
		code, body, _ = admSubmit(admin, "/admin/time-rules/new", bad...)
		admExpect(t, "refused", code, body, http.StatusUnprocessableEntity, `id="err-minutes"`, `id="err-conditions-all-0-op"`,
			`id="err-actions-0-field"`, `value="Nudge &lt;b&gt;pending&lt;/b&gt;"`)
		code, body, _ = admSubmit(admin, "/admin/time-rules/new", join(trForm("Nudge", "2", "hours", "lunch"), actKV("stop"))...)
		admExpect(t, "unknown moment", code, body, http.StatusUnprocessableEntity, `id="err-since"`)
		if rs, _ := rules.List(ctx, adminActor, 0, 10); len(rs) != 1 {
			t.Fatalf("a refused time rule was saved: %d rules", len(rs))
		}

		// Create.
		good := join(trForm("Nudge pending", "2", "hours", "status_changed"), condKV("all", "status", "is", "pending"),
			actKV("add_tags", "tags", "nudged"))
		code, _, h := admSubmit(admin, "/admin/time-rules/new", good...)
		if code != http.StatusSeeOther {
			t.Fatalf("create: %d", code)
		}
		id := admLocationID(t, h)
		page := fmt.Sprintf("/admin/time-rules/%d", id)
		got, err := rules.Get(ctx, adminActor, id)
		if err != nil || got.Minutes != 120 || got.Since != automation.SinceStatusChanged || got.CalendarID != 0 || len(got.Actions) != 1 {
			t.Fatalf("created %+v %v", got, err)
		}
		// Turned off, so the runner leaves the ticket below alone.
		code, _, _ = admSubmit(admin, page+"/enabled")
		if got, _ := rules.Get(ctx, adminActor, id); code != http.StatusSeeOther || got.Enabled {
			t.Fatalf("turn off: %d", code)
		}
		code, body, _ = admin.get(page)
		admExpect(t, "edit form", code, body, 200, `value="Nudge pending"`, `<option value="hours" selected>`, `id="show-due"`, `id="no-fires"`, `id="delete-form"`)

		// Which tickets match now, and nothing written.
		tk := apptest.Ticket(t, e.Services, e.Admin)
		st := ticket.StatusPending
		if _, err := e.Tickets.Update(ctx, e.Admin, tk.Number, ticket.Patch{Status: &st}, 0); err != nil {
			t.Fatal(err)
		}
		code, body, _ = admin.get(page + "?due=1")
		admExpect(t, "none due yet", code, body, 200, `id="due-none"`)
		if _, err := e.DB.W.ExecContext(ctx, e.DB.Rebind("UPDATE ticket_moments SET status_changed_at = $1 WHERE ticket_id = $2"),
			time.Now().Add(-3*time.Hour).UnixMicro(), tk.ID); err != nil {
			t.Fatal(err)
		}
		code, body, _ = admin.get(page + "?due=1")
		admExpect(t, "due", code, body, 200, `id="due-tickets"`, fmt.Sprintf(`<a href="/tickets/%d">%d</a>`, tk.Number, tk.Number))
		if after, _ := e.Tickets.Get(ctx, e.Admin, tk.Number); slices.Contains(after.Tags, "nudged") {
			t.Fatal("the dry run wrote")
		}

		// The built-in rule: no delete box; it can be turned off.
		builtin, _ := rules.List(ctx, adminActor, 0, 1)
		bpage := fmt.Sprintf("/admin/time-rules/%d", builtin[0].ID)
		code, body, _ = admin.get(bpage)
		admExpect(t, "built-in page", code, body, 200, `id="builtin-note"`, `id="tr-amount" name="amount" inputmode="numeric" required maxlength="6" value="7"`, `<option value="days" selected>`)
		if strings.Contains(body, `id="delete-form"`) {
			t.Fatal("the built-in rule offers deletion")
		}
		code, _, _ = admSubmit(admin, bpage+"/enabled")
		if got, _ := rules.Get(ctx, adminActor, builtin[0].ID); code != http.StatusSeeOther || got.Enabled {
			t.Fatalf("turn the built-in rule off: %d", code)
		}

		// Delete needs the box ticked.
		code, body, _ = admSubmit(admin, page+"/delete")
		admExpect(t, "delete unconfirmed", code, body, http.StatusUnprocessableEntity, "Tick the box")
		code, _, _ = admSubmit(admin, page+"/delete", "confirm", "1")
		if _, err := rules.Get(ctx, adminActor, id); code != http.StatusSeeOther || err == nil {
			t.Fatalf("delete: %d %v", code, err)
		}
	})
}
