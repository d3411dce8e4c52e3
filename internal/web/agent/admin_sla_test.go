package agent_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/bizhours"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

func TestAdminSLAPolicies(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, _ := signIn(t, e, user.RoleAdmin)
	var ivs []bizhours.IntervalSpec
	for _, d := range bizhours.Weekdays[:5] {
		ivs = append(ivs, bizhours.IntervalSpec{Day: bizhours.DayName(d), Start: "09:00", End: "17:00"})
	}
	name, zone := "Office", "Europe/Berlin"
	cal, err := e.Calendars.Create(ctx, e.Admin, calendar.Input{Name: &name, TimeZone: &zone, Intervals: &ivs})
	if err != nil {
		t.Fatal(err)
	}
	calID := strconv.FormatInt(cal.ID, 10)
	esc := "Escalations"
	if _, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &esc}); err != nil {
		t.Fatal(err)
	}

	code, body, _ := b.get("/admin/sla-policies")
	admExpect(t, "empty list", code, body, 200, "No SLA policies yet.", `href="/admin/sla-policies/new"`)
	code, body, _ = b.get("/admin/sla-policies/new")
	admExpect(t, "new form", code, body, 200, `id="policy-form"`, `name="t-p1-first_response"`, `name="cond-0-field"`,
		`<option value="`+calID+`">Office (Europe/Berlin)</option>`, `value="80"`)

	// Every refusal keeps what was typed and says what is wrong where.
	form := func(kv ...string) []string {
		return append([]string{"name", "Gold", "enabled", "1", "calendar_id", calID, "warn_percent", "80",
			"t-p1-first_response", "30", "t-p1-resolution", "240"}, kv...)
	}
	bad := []struct {
		name string
		kv   []string
		want []string
	}{
		{"no targets", []string{"name", "Gold", "calendar_id", calID, "cond-0-field", "", "cond-0-value", ""}, []string{`id="err-targets"`, "t least one target is required"}},
		{"a zero target", form("t-p2-resolution", "0"), []string{`id="err-t-p2-resolution"`, "positive number of business minutes", `value="0"`}},
		{"a negative target", form("t-p3-first_response", "-10"), []string{`id="err-t-p3-first_response"`, `value="-10"`}},
		{"not a number", form("t-p4-next_response", "soon"), []string{`id="err-t-p4-next_response"`, "Must be a whole number.", `value="soon"`}},
		{"an unknown field", form("cond-0-field", "colour", "cond-0-value", "red"), []string{`id="err-cond-0-field"`, `<option selected>colour</option>`, `value="red"`}},
		{"a bad op", form("cond-0-field", "priority", "cond-0-op", "above", "cond-0-value", "p2"), []string{`id="err-cond-0-op"`}},
		{"an unknown team", form("cond-0-field", "team", "cond-0-value", "Nobody"), []string{`id="err-cond-0-value"`, "o team named &#34;Nobody&#34;"}},
		{"no calendar", []string{"name", "Gold", "calendar_id", "", "t-p1-resolution", "240"}, []string{`id="err-calendar_id"`}},
		{"a warning past the target", []string{"name", "Gold", "calendar_id", calID, "warn_percent", "150", "t-p1-resolution", "240"},
			[]string{`id="err-warn_percent"`, `value="150"`}},
	}
	for _, c := range bad {
		code, body, _ := admSubmit(b, "/admin/sla-policies/new", c.kv...)
		admExpect(t, c.name, code, body, http.StatusUnprocessableEntity, c.want...)
	}
	if ps, _ := e.SLA.List(ctx, e.Admin, 0, 10); len(ps) != 0 {
		t.Fatalf("%d policies saved by refused forms", len(ps))
	}

	code, _, h := admSubmit(b, "/admin/sla-policies/new", form("cond-0-field", "type", "cond-0-value", "incident",
		"t-p3-resolution", "960", "notify", "1", "raise_priority", "1", "team", "Escalations")...)
	if code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	id := admLocationID(t, h)
	p, err := e.SLA.Get(ctx, e.Admin, id)
	if err != nil || p.Name != "Gold" || len(p.Conditions) != 1 || p.Conditions[0].String() != "type is incident" ||
		len(p.Targets) != 2 || p.Targets[1].String() != "p3: resolution 960 min" || !p.Escalation.Notify ||
		!p.Escalation.RaisePriority || p.Escalation.TeamName != "Escalations" {
		t.Fatalf("created %+v %v", p, err)
	}
	base := "/admin/sla-policies/" + strconv.FormatInt(id, 10)
	code, body, _ = b.get(base)
	admExpect(t, "edit form", code, body, 200, `name="t-p3-resolution" aria-label="P3 medium resolution" type="number" min="1" inputmode="numeric" value="960"`,
		`<option selected>type</option>`, `<option selected>Escalations</option>`)
	code, body, _ = b.get("/admin/sla-policies")
	admExpect(t, "list", code, body, 200, "type is incident", "p1: first response 30 min, resolution 240 min")

	// In use: deleting is refused with the count of tickets.
	tk := apptest.Ticket(t, e.Services, e.Admin)
	code, body, _ = b.get("/tickets/" + strconv.FormatInt(tk.Number, 10))
	admExpect(t, "ticket page clocks", code, body, 200, `id="sla"`, `id="sla-policy">Gold</span>`, `id="sla-resolution"`,
		`data-state="running"`, "Resolution", `data-due="`)
	code, body, _ = admSubmit(b, base+"/delete")
	admExpect(t, "unconfirmed delete", code, body, 422, "Tick the box")
	code, body, _ = admSubmit(b, base+"/delete", "confirm", "1")
	admExpect(t, "delete in use", code, body, 409, "in use by 1 ticket")

	// A policy nobody uses goes.
	code, _, h = admSubmit(b, "/admin/sla-policies/new", "name", "Spare", "calendar_id", calID, "cond-0-field", "channel",
		"cond-0-value", "phone", "t-p4-resolution", "100", "position", "1")
	if code != http.StatusSeeOther {
		t.Fatalf("create spare: %d", code)
	}
	spare := admLocationID(t, h)
	if ps, _ := e.SLA.List(ctx, e.Admin, 0, 10); len(ps) != 2 || ps[0].ID != spare || ps[1].Position != 2 {
		t.Fatalf("order after inserting first: %+v", ps)
	}
	code, _, _ = admSubmit(b, "/admin/sla-policies/"+strconv.FormatInt(spare, 10)+"/delete", "confirm", "1")
	if code != http.StatusSeeOther {
		t.Fatalf("delete spare: %d", code)
	}
	if _, err := e.SLA.Get(ctx, e.Admin, spare); err == nil {
		t.Fatal("deleted policy still there")
	}
	// Agents do not administer.
	ab, _ := signIn(t, e, user.RoleAgent)
	if code, _, _ := ab.get("/admin/sla-policies"); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("agent reads the admin page: %d", code)
	}
}
