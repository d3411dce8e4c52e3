package agent_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

// trgForm is a posted trigger form: name, events, and rows as the page
// posts them (parallel lists).
func trgForm(name string, extra ...string) []string {
	return append([]string{"name", name, "enabled", "1", "events", "ticket.created"}, extra...)
}

// condKV is one condition row of group all or any.
func condKV(group, field, op, value string) []string {
	return []string{group + ".field", field, group + ".op", op, group + ".value", value}
}

// actKV is one action row: its kind and the parts given as name, value
// pairs; every other part is posted empty, as the page does.
func actKV(kind string, parts ...string) []string {
	given := map[string]string{}
	for i := 0; i+1 < len(parts); i += 2 {
		given[parts[i]] = parts[i+1]
	}
	kv := []string{"act.type", kind}
	for _, p := range []string{"field", "value", "resolution", "tags", "subject", "body", "to", "team", "webhook"} {
		kv = append(kv, "act."+p, given[p])
	}
	return kv
}

func join(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestAdminTriggers: the Triggers page lists triggers in run order with
// on/off and up/down; the form builds conditions and actions as rows
// (added and removed without JavaScript too), shows each refusal next to
// its row and part with everything typed kept and nothing saved; the dry
// run says what a trigger would do to a ticket and writes nothing; the
// run log shows applied and failed runs; deleting needs a confirmation;
// agents are told the pages do not exist.
func TestAdminTriggers(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := apptest.Server(t, d)
		admin, adminActor := signIn(t, e, user.RoleAdmin)
		agent, _ := signIn(t, e, user.RoleAgent)

		for _, path := range []string{"/admin/triggers", "/admin/triggers/new"} {
			code, _, _ := agent.get(path)
			admExpect(t, "agent GET "+path, code, "", http.StatusNotFound)
		}
		code, _, _ := admSubmit(agent, "/admin/triggers/new", trgForm("Sneaky", actKV("stop")...)...)
		admExpect(t, "agent creates", code, "", http.StatusNotFound)
		code, body, _ := admin.get("/admin/triggers")
		admExpect(t, "empty list", code, body, 200, "No triggers yet.", `href="/admin/triggers"`, `id="new-trigger"`)
		code, body, _ = admin.get("/admin/triggers/new")
		admExpect(t, "new form", code, body, 200, `id="trigger-form"`, `<option value="status" data-ops="is is_not changed changed_to changed_from"`,
			`<option value="message.body"`, `value="add_tags" data-parts="tags"`, `<template class="trg-blank">`)

		// Rows are added and removed by posting the form, nothing saved.
		rows := join(trgForm("Draft"), condKV("all", "tag", "is", "a"), condKV("all", "tag", "is", "b"), actKV("stop"))
		code, body, _ = admSubmit(admin, "/admin/triggers/new", append(rows, "edit", "add-any")...)
		admExpect(t, "add a row", code, body, 200, `value="remove-any-0"`, `value="remove-all-1"`, `value="Draft"`)
		code, body, _ = admSubmit(admin, "/admin/triggers/new", append(rows, "edit", "remove-all-0")...)
		admExpect(t, "remove a row", code, body, 200, `value="b"`)
		if strings.Contains(body, `value="remove-all-1"`) || strings.Contains(body, `name="all.value" class="trg-value" maxlength="1000" value="a"`) {
			t.Fatal("the removed condition row is still on the form")
		}

		// A refused trigger: each error next to its row and part, what was
		// typed kept (escaped), nothing saved.
		bad := join(trgForm("Escalate <b>outages</b>"),
			condKV("all", "status", "greater", "open"), condKV("any", "priority", "is", `urgent"><script>x()</script>`),
			actKV("set", "field", "requester", "value", "x@example.test"), actKV("note", "body", ""))
		code, body, _ = admSubmit(admin, "/admin/triggers/new", bad...)
		admExpect(t, "refused", code, body, http.StatusUnprocessableEntity,
			`id="err-conditions-all-0-op"`, `id="err-conditions-any-0-value"`, `id="err-actions-0-field"`, `id="err-actions-1-body"`,
			"A rule cannot change requester", `value="Escalate &lt;b&gt;outages&lt;/b&gt;"`, `value="urgent&#34;&gt;&lt;script&gt;x()&lt;/script&gt;"`,
			`<option value="requester" selected>`, `<option value="note" data-parts="body" selected>`)
		if strings.Contains(body, "<script>x()") {
			t.Fatal("a typed value is not escaped")
		}
		// The error sits in its row: the all row's operator error comes
		// before the any group starts.
		if i, j := strings.Index(body, `id="err-conditions-all-0-op"`), strings.Index(body, `id="cond-any"`); i < 0 || i > j {
			t.Fatal("the operator error is not in the all group's row")
		}
		if ts, _ := e.Automation.List(ctx, adminActor, 0, 10); len(ts) != 0 {
			t.Fatalf("a refused trigger was saved: %+v", ts)
		}

		// Create.
		good := join(trgForm("Escalate outages", "events", "ticket.updated"), condKV("all", "tag", "is", "outage"),
			actKV("set", "field", "priority", "value", "p1"), actKV("add_tags", "tags", "escalated, vip"))
		code, _, h := admSubmit(admin, "/admin/triggers/new", good...)
		if code != http.StatusSeeOther {
			t.Fatalf("create: %d", code)
		}
		id := admLocationID(t, h)
		page := fmt.Sprintf("/admin/triggers/%d", id)
		tr, err := e.Automation.Get(ctx, adminActor, id)
		if err != nil || !tr.Enabled || len(tr.Events) != 2 || len(tr.Conditions.All) != 1 || tr.Conditions.All[0].Value != "outage" ||
			len(tr.Actions) != 2 || tr.Actions[1].Type != automation.ActAddTags || strings.Join(tr.Actions[1].Tags, ",") != "escalated,vip" {
			t.Fatalf("created %+v %v", tr, err)
		}
		code, body, _ = admin.get(page)
		admExpect(t, "edit form", code, body, 200, `value="Escalate outages"`, `value="escalated, vip"`, `id="test-form"`, `id="no-runs"`)

		// Edit with errors keeps the form and the stored trigger.
		code, body, _ = admSubmit(admin, page, join(trgForm("Escalate all outages"), condKV("all", "tag", "is", "outage"),
			[]string{"act.type", ""})...)
		admExpect(t, "no actions", code, body, http.StatusUnprocessableEntity, `id="err-actions"`, "Add at least one action", `value="Escalate all outages"`)
		code, body, _ = admSubmit(admin, page, join(trgForm("Escalate outages"), actKV("", "body", "Typed before choosing"))...)
		admExpect(t, "no kind", code, body, http.StatusUnprocessableEntity, `id="err-actions-0-type"`, ">Typed before choosing</textarea>")
		code, body, _ = admSubmit(admin, page, join(good, actKV("email", "to", "nobody@example.test", "subject", "Hi", "body", "{{.Ticket.Nope"))...)
		admExpect(t, "bad email action", code, body, http.StatusUnprocessableEntity, `id="err-actions-2-to"`, `id="err-actions-2-body"`, `value="nobody@example.test"`)
		if got, _ := e.Automation.Get(ctx, adminActor, id); got.Name != "Escalate outages" || len(got.Actions) != 2 {
			t.Fatalf("a refused edit changed the trigger: %+v", got)
		}
		code, _, _ = admSubmit(admin, page, join(good, condKV("any", "priority", "is", "p3"), condKV("any", "priority", "is", "p4"))...)
		if code != http.StatusSeeOther {
			t.Fatalf("edit: %d", code)
		}
		if got, _ := e.Automation.Get(ctx, adminActor, id); len(got.Conditions.Any) != 2 {
			t.Fatalf("after edit: %+v", got.Conditions)
		}

		// Off, then the dry run on a matching ticket: what it would do,
		// and nothing written.
		code, _, _ = admSubmit(admin, page+"/enabled")
		if got, _ := e.Automation.Get(ctx, adminActor, id); code != http.StatusSeeOther || got.Enabled {
			t.Fatalf("turn off: %d, enabled %v", code, got.Enabled)
		}
		_, body, _ = admin.get("/admin/triggers")
		admExpect(t, "list with it off", 200, body, 200, "Turn on", "trg-offstate", "Escalate outages")
		tk := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Tags = []string{"outage"} })
		code, body, _ = admSubmit(admin, page+"/test", "ticket", "#"+strconv.FormatInt(tk.Number, 10))
		admExpect(t, "dry run", code, body, 200, `id="test-result"`, "Matches", "Set priority to p1", "Add tags escalated, vip",
			`id="test-changes"`, "<td>priority</td><td>p3</td><td>p1</td>", `class="trg-holds"`, `class="trg-fails"`)
		if got, _ := e.Tickets.Get(ctx, e.Admin, tk.Number); got.Priority.String() != "p3" || len(got.Tags) != 1 || got.Version != tk.Version {
			t.Fatalf("the dry run wrote: %+v", got)
		}
		other := apptest.Ticket(t, e.Services, e.Admin)
		code, body, _ = admSubmit(admin, page+"/test", "ticket", strconv.FormatInt(other.Number, 10))
		admExpect(t, "dry run, no match", code, body, 200, "Does not match")
		if strings.Contains(body, `id="test-actions"`) {
			t.Fatal("a ticket it does not match lists actions")
		}
		code, body, _ = admSubmit(admin, page+"/test", "ticket", "abc")
		admExpect(t, "dry run, not a number", code, body, http.StatusUnprocessableEntity, "Enter the number of a ticket", `value="abc"`)
		code, body, _ = admSubmit(admin, page+"/test", "ticket", "999999")
		admExpect(t, "dry run, no ticket", code, body, http.StatusUnprocessableEntity, "There is no ticket 999999.")

		// Back on, it runs: the run log says applied.
		code, _, _ = admSubmit(admin, page+"/enabled", "enabled", "1")
		if got, _ := e.Automation.Get(ctx, adminActor, id); code != http.StatusSeeOther || !got.Enabled {
			t.Fatalf("turn on: %d", code)
		}
		ran := apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Tags = []string{"outage"} })
		// Wait for this ticket's own line: the pump may still be handling
		// the events of the tickets made before (CI saw another's line first).
		body = waitPage(t, admin, page, fmt.Sprintf(`<a href="/tickets/%d">%d</a>`, ran.Number, ran.Number))
		admExpect(t, "run log", 200, body, 200, `id="run-log"`)
		if !regexp.MustCompile(`class="trg-applied">\s*<td>[^\n]*</td>\s*<td><a href="/tickets/` + strconv.FormatInt(ran.Number, 10) + `">`).MatchString(body) {
			t.Fatalf("run log: ticket %d's run is not applied:\n%s", ran.Number, body)
		}

		// A second trigger whose webhook is gone fails: the reason is in its
		// log. It was created last; moving it up puts it first.
		allow, on := true, true
		hook, err := e.Webhooks.Create(ctx, e.Admin, webhook.Input{URL: ptrTo("http://127.0.0.1:9/hook"), Events: &[]string{"ticket.created"},
			Secret: ptrTo("a test secret, long enough"), AllowPrivateHost: &allow, Enabled: &on})
		if err != nil {
			t.Fatal(err)
		}
		_, body, _ = admin.get("/admin/triggers/new")
		admExpect(t, "webhook choice", 200, body, 200, fmt.Sprintf(`<option value="%d">http://127.0.0.1:9/hook</option>`, hook.ID))
		code, _, h = admSubmit(admin, "/admin/triggers/new", join(trgForm("Tell the bridge"), condKV("all", "tag", "is", "bridge"),
			actKV("webhook", "webhook", strconv.FormatInt(hook.ID, 10)))...)
		if code != http.StatusSeeOther {
			t.Fatalf("create the webhook trigger: %d", code)
		}
		second := admLocationID(t, h)
		if err := e.Webhooks.Delete(ctx, e.Admin, hook.ID); err != nil {
			t.Fatal(err)
		}
		apptest.Ticket(t, e.Services, e.Admin, func(n *ticket.NewTicket) { n.Tags = []string{"bridge"} })
		body = waitPage(t, admin, fmt.Sprintf("/admin/triggers/%d", second), `class="trg-failed"`)
		admExpect(t, "failed run", 200, body, 200, "Failed", "webhook")

		_, body, _ = admin.get("/admin/triggers")
		if !regexp.MustCompile(fmt.Sprintf(`(?s)id="trigger-%d".*id="trigger-%d"`, id, second)).MatchString(body) {
			t.Fatal("the list is not in run order")
		}
		admExpect(t, "list", 200, body, 200, fmt.Sprintf(`id="up-%d" aria-label="Move Escalate outages up" disabled`, id),
			fmt.Sprintf(`id="down-%d" aria-label="Move Tell the bridge down" disabled`, second), "Last run")
		code, _, _ = admSubmit(admin, fmt.Sprintf("/admin/triggers/%d/move", second), "dir", "up")
		if code != http.StatusSeeOther {
			t.Fatalf("move: %d", code)
		}
		ts, _ := e.Automation.List(ctx, adminActor, 0, 10)
		if len(ts) != 2 || ts[0].ID != second || ts[1].ID != id {
			t.Fatalf("after moving up: %d then %d", ts[0].ID, ts[1].ID)
		}
		code, _, _ = admSubmit(admin, fmt.Sprintf("/admin/triggers/%d/move", second), "dir", "sideways")
		admExpect(t, "move sideways", code, "", http.StatusUnprocessableEntity)

		// Delete needs the confirmation.
		code, body, _ = admSubmit(admin, page+"/delete")
		admExpect(t, "unconfirmed delete", code, body, http.StatusUnprocessableEntity, "Tick the box")
		code, _, _ = admSubmit(agent, page+"/delete", "confirm", "1")
		admExpect(t, "agent deletes", code, "", http.StatusNotFound)
		code, _, _ = admSubmit(admin, page+"/delete", "confirm", "1")
		if code != http.StatusSeeOther {
			t.Fatalf("delete: %d", code)
		}
		code, _, _ = admin.get(page)
		admExpect(t, "deleted", code, "", http.StatusNotFound)
	})
}

// waitPage reloads path until it has want, for up to 15 s.
func waitPage(t *testing.T, b *browser, path, want string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, body, _ := b.get(path)
		if strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %s", path, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ptrTo[T any](v T) *T { return &v }
