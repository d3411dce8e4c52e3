package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/ticket"
)

// TestTimeRulesAPI: the built-in rule is listed; create, read, change and
// delete a time rule; invalid ones are refused field by field with
// nothing saved; the built-in one cannot be deleted; "due" lists the
// tickets it would act on now and writes nothing; only admins.
func TestTimeRulesAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		admin := apptest.Token(t, f.Services, f.Admin)
		agent := apptest.Token(t, f.Services, f.agent)
		send := func(token, method, path, body string) rawResult {
			return raw(t, f.URL, token, method, path, "application/json", []byte(body))
		}
		type ruleJSON struct {
			ID         int64   `json:"id"`
			Name       string  `json:"name"`
			Since      string  `json:"since"`
			Minutes    int     `json:"minutes"`
			CalendarID *int64  `json:"calendar_id"`
			Builtin    *string `json:"builtin"`
			Enabled    bool    `json:"enabled"`
		}
		var listed struct{ Items []ruleJSON }
		r := send(admin, "GET", "/api/v1/time-rules", "")
		check(t, json.Unmarshal(r.body, &listed))
		if len(listed.Items) != 1 || listed.Items[0].Builtin == nil || *listed.Items[0].Builtin != "close_resolved" ||
			listed.Items[0].Since != "resolved" || listed.Items[0].Minutes != 7*24*60 || listed.Items[0].CalendarID != nil || !listed.Items[0].Enabled {
			t.Fatalf("time rules at first: %s", r.body)
		}
		builtin := "/api/v1/time-rules/" + strconv.FormatInt(listed.Items[0].ID, 10)

		for _, tc := range []struct{ name, body, field string }{
			{"unknown moment", `{"name":"A","since":"lunch","minutes":60,"actions":[{"type":"stop"}]}`, "since"},
			{"no duration", `{"name":"A","since":"created","minutes":0,"actions":[{"type":"stop"}]}`, "minutes"},
			{"unknown calendar", `{"name":"A","since":"created","minutes":5,"calendar_id":999,"actions":[{"type":"stop"}]}`, "calendar_id"},
			{"a message condition", `{"name":"A","since":"created","minutes":5,"conditions":{"all":[{"field":"message.body","op":"contains","value":"x"}]},"actions":[{"type":"stop"}]}`, "conditions.all[0].field"},
			{"a change condition", `{"name":"A","since":"created","minutes":5,"conditions":{"any":[{"field":"status","op":"changed"}]},"actions":[{"type":"stop"}]}`, "conditions.any[0].op"},
			{"operator not for the type", `{"name":"A","since":"created","minutes":5,"conditions":{"all":[{"field":"status","op":"greater","value":"open"}]},"actions":[{"type":"stop"}]}`, "conditions.all[0].op"},
			{"action on a field a rule cannot change", `{"name":"A","since":"created","minutes":5,"actions":[{"type":"set","field":"requester","value":"x@example.test"}]}`, "actions[0].field"},
			{"empty action list", `{"name":"A","since":"created","minutes":5,"actions":[]}`, "actions"},
			{"name taken", `{"name":"close resolved tickets after 7 days","since":"created","minutes":5,"actions":[{"type":"stop"}]}`, "name"},
		} {
			r := send(admin, "POST", "/api/v1/time-rules", tc.body)
			if r.status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: %d %s", tc.name, r.status, r.body)
			}
			if !slices.ContainsFunc(r.problem.Errors, func(e client.FieldError) bool { return e.Field == tc.field }) {
				t.Errorf("%s: errors %+v, want one on %s", tc.name, r.problem.Errors, tc.field)
			}
		}
		if r := send(admin, "GET", "/api/v1/time-rules", ""); strings.Count(string(r.body), `"id"`) != 1 {
			t.Fatalf("a refused time rule was saved: %s", r.body)
		}

		valid := `{"name":"Nudge pending","enabled":false,"since":"status_changed","minutes":60,
			"conditions":{"all":[{"field":"status","op":"is","value":"pending"}]},
			"actions":[{"type":"add_tags","tags":["nudged"]}]}`
		if r := send(agent, "POST", "/api/v1/time-rules", valid); r.status != http.StatusForbidden {
			t.Fatalf("agent creates: %d", r.status)
		}
		if r := send(agent, "GET", "/api/v1/time-rules", ""); r.status != http.StatusForbidden {
			t.Fatalf("agent lists: %d", r.status)
		}
		r = send(admin, "POST", "/api/v1/time-rules", valid)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var created ruleJSON
		check(t, json.Unmarshal(r.body, &created))
		path := "/api/v1/time-rules/" + strconv.FormatInt(created.ID, 10)
		if r.header.Get("Location") != path || created.Enabled || created.Builtin != nil {
			t.Fatalf("created %s", r.body)
		}

		// Which tickets it would act on now: pending for two hours, not the
		// one pending for a minute nor the open one; nothing is written.
		pending := f.ticket(t, client.NewTicket{Subject: "Waiting on Ann", Body: "…", Requester: &client.Contact{Email: "ann@example.test"}})
		fresh := f.ticket(t, client.NewTicket{Subject: "Waiting on Bob", Body: "…", Requester: &client.Contact{Email: "bob@example.test"}})
		f.ticket(t, client.NewTicket{Subject: "Open", Body: "…", Requester: &client.Contact{Email: "cy@example.test"}})
		st := ticket.StatusPending
		for _, n := range []int64{pending.Number, fresh.Number} {
			if _, err := f.Tickets.Update(ctx, f.Admin, n, ticket.Patch{Status: &st}, 0); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.DB.W.ExecContext(ctx, f.DB.Rebind("UPDATE ticket_moments SET status_changed_at = $1 WHERE ticket_id = (SELECT id FROM tickets WHERE number = $2)"),
			time.Now().Add(-2*time.Hour).UnixMicro(), pending.Number); err != nil {
			t.Fatal(err)
		}
		r = send(admin, "GET", path+"/due", "")
		var due struct {
			Items []struct {
				Ticket int64     `json:"ticket"`
				Since  time.Time `json:"since"`
			} `json:"items"`
			More bool `json:"more"`
		}
		check(t, json.Unmarshal(r.body, &due))
		if r.status != http.StatusOK || len(due.Items) != 1 || due.Items[0].Ticket != pending.Number || due.More {
			t.Fatalf("due: %d %s", r.status, r.body)
		}
		if got, _ := f.Tickets.Get(ctx, f.Admin, pending.Number); slices.Contains(got.Tags, "nudged") {
			t.Fatal("the dry run tagged the ticket")
		}
		if r := send(admin, "GET", path+"/due?limit=0", ""); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("due with limit 0: %d", r.status)
		}

		// PATCH: refused changes leave it as it was; calendar_id null is
		// calendar time again.
		if r := send(admin, "PATCH", path, `{"actions":[]}`); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("patch to no actions: %d %s", r.status, r.body)
		}
		r = send(admin, "POST", "/api/v1/calendars", `{"name":"Office","time_zone":"UTC","intervals":[{"day":"monday","start":"09:00","end":"17:00"}]}`)
		if r.status != http.StatusCreated {
			t.Fatalf("create calendar: %d %s", r.status, r.body)
		}
		var cal struct{ ID int64 }
		check(t, json.Unmarshal(r.body, &cal))
		r = send(admin, "PATCH", path, `{"calendar_id":`+strconv.FormatInt(cal.ID, 10)+`,"minutes":120}`)
		var patched ruleJSON
		check(t, json.Unmarshal(r.body, &patched))
		if r.status != http.StatusOK || patched.CalendarID == nil || *patched.CalendarID != cal.ID || patched.Minutes != 120 || patched.Since != "status_changed" {
			t.Fatalf("patch to business time: %d %s", r.status, r.body)
		}
		if r := send(admin, "DELETE", "/api/v1/calendars/"+strconv.FormatInt(cal.ID, 10), ""); r.status != http.StatusConflict {
			t.Fatalf("delete a calendar a time rule uses: %d %s", r.status, r.body)
		}
		r = send(admin, "PATCH", path, `{"calendar_id":null}`)
		check(t, json.Unmarshal(r.body, &patched))
		if r.status != http.StatusOK || patched.CalendarID != nil {
			t.Fatalf("patch to calendar time: %d %s", r.status, r.body)
		}
		if r := send(admin, "GET", "/api/v1/audit?kind=time_rule.updated", ""); !strings.Contains(string(r.body), `"time_rule.updated"`) {
			t.Fatalf("audit: %s", r.body)
		}

		// The built-in rule can be changed and turned off, not deleted.
		if r := send(admin, "PATCH", builtin, `{"minutes":4320}`); r.status != http.StatusOK || !strings.Contains(string(r.body), `"minutes":4320`) {
			t.Fatalf("patch the built-in rule: %d %s", r.status, r.body)
		}
		if r := send(admin, "DELETE", builtin, ""); r.status != http.StatusConflict {
			t.Fatalf("delete the built-in rule: %d %s", r.status, r.body)
		}
		if r := send(admin, "DELETE", path, ""); r.status != http.StatusNoContent {
			t.Fatalf("delete: %d", r.status)
		}
		if r := send(admin, "GET", path, ""); r.status != http.StatusNotFound {
			t.Fatalf("after delete: %d", r.status)
		}
	})
}
