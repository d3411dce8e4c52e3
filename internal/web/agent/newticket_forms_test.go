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

// formFieldDefs adds the custom fields the form tests use: a required
// text field for incidents, a required one for the Hardware category, a
// date for changes; and the Hardware category.
func formFieldDefs(t *testing.T, e *apptest.Env) {
	t.Helper()
	ctx := context.Background()
	name := "Hardware"
	if _, err := e.Tickets.CreateCategory(ctx, e.Admin, ticket.CategoryInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	def := func(key, label string, typ ticket.FieldType, required bool, only ticket.Type, category string) {
		in := ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Required: &required}
		if only != "" {
			in.TicketType = &only
		}
		if category != "" {
			in.Category = &category
		}
		if _, err := e.Tickets.CreateFieldDef(ctx, e.Admin, in); err != nil {
			t.Fatal(err)
		}
	}
	def("outage_start", "Outage started", ticket.FieldText, true, ticket.Incident, "")
	def("asset_tag", "Asset tag", ticket.FieldText, true, "", "Hardware")
	def("planned_for", "Planned for", ticket.FieldDate, false, ticket.Change, "")
}

// TestNewTicketFieldsFollowTheType: the form reads only the custom fields
// of the chosen type and category, so a field meant for incidents never
// blocks a request, even when it was filled in before the type changed.
func TestNewTicketFieldsFollowTheType(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		formFieldDefs(t, e)
		b, agent := signIn(t, e, user.RoleAgent)
		_, body, _ := b.get("/tickets/new")
		// Every field is on the page, for the script to show; only the
		// incident's shows at first, and no toggled field is required by
		// the browser without the script.
		for _, want := range []string{`data-type="incident"`, `data-category="Hardware"`, `data-type="change"`, `name="cf.asset_tag"`} {
			if !strings.Contains(body, want) {
				t.Errorf("new-ticket form lacks %s", want)
			}
		}
		if strings.Contains(body, `name="cf.outage_start" value="" required`) {
			t.Error("the incident's field is required by the browser whatever the type")
		}
		form := url.Values{"_csrf": {b.csrf}, "requester": {"r@example.test"}, "subject": {"New monitor"}, "body": {"Please."},
			"type": {"request"}, "cf.outage_start": {"09:00"}, "cf.planned_for": {"2026-01-01"}}
		code, body, h := b.post("/tickets/new", form)
		if code != 303 {
			t.Fatalf("a request with an incident's field filled in: %d %s", code, errorsOf(body))
		}
		n, _ := ticket.ParseNumber(strings.TrimPrefix(h.Get("Location"), "/tickets/"))
		tk, _ := e.Tickets.Get(context.Background(), agent, n)
		if tk.Type != ticket.Request || len(tk.CustomFields) != 0 {
			t.Errorf("request = %s %v; fields of other types must be left out", tk.Type, tk.CustomFields)
		}
		// The category's required field is required once it is chosen; the
		// error stands under it, tied to it, once, and what was typed stays.
		form.Set("category", "Hardware")
		form.Set("subject", "New <b>monitor</b>")
		code, body, _ = b.post("/tickets/new", form)
		if code != 422 {
			t.Fatalf("missing asset tag: %d", code)
		}
		for _, want := range []string{`id="err-custom_fields-asset_tag"`, `aria-describedby="err-custom_fields-asset_tag"`,
			`value="New &lt;b&gt;monitor&lt;/b&gt;"`, `>Please.</textarea>`, `id="form-errors"`} {
			if !strings.Contains(body, want) {
				t.Errorf("refused form lacks %s", want)
			}
		}
		if c := strings.Count(body, "Is required."); c != 1 {
			t.Errorf("the required error shows %d times, want once", c)
		}
		if strings.Contains(body, `name="cf.asset_tag" value="" data-required disabled`) {
			t.Error("the asset tag is hidden although Hardware is chosen")
		}
		form.Set("cf.asset_tag", "HW-42")
		form.Set("tags", "ok, <bad>")
		code, body, _ = b.post("/tickets/new", form)
		if code != 422 || !strings.Contains(body, `aria-describedby="err-tags"`) || !strings.Contains(body, `id="err-tags"`) ||
			!strings.Contains(body, `value="HW-42"`) {
			t.Fatalf("a bad tag: %d %s", code, errorsOf(body))
		}
		form.Set("tags", "ok, monitor")
		if code, body, _ = b.post("/tickets/new", form); code != 303 {
			t.Fatalf("with the asset tag: %d %s", code, errorsOf(body))
		}
	})
}

// TestNewTicketImpactUrgencyAndAuthor: the form takes impact and urgency
// (the priority follows the matrix unless chosen), and the description is
// the requester's first message.
func TestNewTicketImpactUrgencyAndAuthor(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, agent := signIn(t, e, user.RoleAgent)
	b.get("/tickets/new")
	form := url.Values{"_csrf": {b.csrf}, "requester": {"pat@example.test"}, "requester_name": {"Pat"}, "subject": {"Mail down"},
		"body": {"Nobody on floor 2 gets mail."}, "type": {"incident"}, "impact": {"high"}, "urgency": {"medium"}, "priority": {""}}
	code, body, h := b.post("/tickets/new", form)
	if code != 303 {
		t.Fatalf("create: %d %s", code, errorsOf(body))
	}
	n, _ := ticket.ParseNumber(strings.TrimPrefix(h.Get("Location"), "/tickets/"))
	tk, _ := e.Tickets.Get(context.Background(), agent, n)
	if tk.Impact != ticket.High || tk.Urgency != ticket.Medium || tk.Priority != ticket.P2 {
		t.Errorf("impact %s urgency %s priority %s, want high medium p2", tk.Impact, tk.Urgency, tk.Priority)
	}
	msgs, _ := e.Tickets.Messages(context.Background(), agent, n, 0, 5)
	if len(msgs) != 1 || msgs[0].Author.Email != "pat@example.test" {
		t.Errorf("the first message is not the requester's: %+v", msgs)
	}
	form.Set("urgency", "")
	if code, body, _ := b.post("/tickets/new", form); code != 422 || !strings.Contains(body, `id="err-urgency"`) {
		t.Errorf("impact without urgency: %d", code)
	}
}

// TestPhoneCallLoggedResolved: a call dealt with on the phone is logged as
// resolved, with its resolution; without one the form says so under the
// field.
func TestPhoneCallLoggedResolved(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	b, agent := signIn(t, e, user.RoleAgent)
	if _, body, _ := b.get("/tickets/new?channel=phone"); !strings.Contains(body, `id="n-status"`) || !strings.Contains(body, `id="n-resolution"`) {
		t.Fatal("the phone-call form offers no status and resolution")
	}
	form := url.Values{"_csrf": {b.csrf}, "channel": {"phone"}, "requester": {"caller@example.test"}, "subject": {"Password reset"},
		"body": {"Locked out."}, "type": {"request"}, "status": {"resolved"}}
	code, body, _ := b.post("/tickets/new", form)
	if code != 422 || !strings.Contains(body, `aria-describedby="err-resolution"`) || !strings.Contains(body, "The call was not logged.") {
		t.Fatalf("resolved without a resolution: %d %s", code, errorsOf(body))
	}
	form.Set("resolution", "fixed")
	form.Set("solution", "Reset it while on the phone.")
	code, body, h := b.post("/tickets/new", form)
	if code != 303 {
		t.Fatalf("log a resolved call: %d %s", code, errorsOf(body))
	}
	n, _ := ticket.ParseNumber(strings.TrimPrefix(h.Get("Location"), "/tickets/"))
	tk, _ := e.Tickets.Get(context.Background(), agent, n)
	if tk.Status != ticket.StatusResolved || tk.Resolution != ticket.ResolutionFixed || tk.Solution != "Reset it while on the phone." ||
		tk.Channel != ticket.ChannelPhone {
		t.Errorf("logged call = %s %s %q %s", tk.Status, tk.Resolution, tk.Solution, tk.Channel)
	}
}

// errorsOf picks the error messages out of a page, for failure messages.
func errorsOf(body string) string {
	var out []string
	for _, part := range strings.Split(body, `class="err"`)[1:] {
		if i := strings.Index(part, "</p>"); i >= 0 {
			out = append(out, part[:i])
		}
	}
	if i := strings.Index(body, `id="form-errors"`); i >= 0 {
		out = append(out, body[i:min(len(body), i+400)])
	}
	return strings.Join(out, " | ")
}
