package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
)

// TestTriggersAPI: create, read, change, test (a dry run that writes
// nothing) and delete a trigger; invalid triggers are refused field by
// field with nothing saved; only admins manage triggers; every change is
// in the audit log.
func TestTriggersAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		admin := apptest.Token(t, f.Services, f.Admin)
		agent := apptest.Token(t, f.Services, f.agent)
		send := func(token, method, path, body string) rawResult {
			return raw(t, f.URL, token, method, path, "application/json", []byte(body))
		}

		// Field errors, and nothing saved.
		for _, tc := range []struct{ name, body, field string }{
			{"unknown field", `{"name":"A","events":["ticket.created"],"conditions":{"all":[{"field":"colour","op":"is","value":"red"}]},"actions":[{"type":"stop"}]}`, "conditions.all[0].field"},
			{"operator not for the type", `{"name":"A","events":["ticket.created"],"conditions":{"all":[{"field":"status","op":"greater","value":"open"}]},"actions":[{"type":"stop"}]}`, "conditions.all[0].op"},
			{"action on a field a rule cannot change", `{"name":"A","events":["ticket.created"],"actions":[{"type":"set","field":"requester","value":"x@example.test"}]}`, "actions[0].field"},
			{"empty action list", `{"name":"A","events":["ticket.created"],"actions":[]}`, "actions"},
			{"unknown event", `{"name":"A","events":["ticket.deleted"],"actions":[{"type":"stop"}]}`, "events[0]"},
			{"bad value", `{"name":"A","events":["ticket.created"],"conditions":{"any":[{"field":"priority","op":"is","value":"urgent"}]},"actions":[{"type":"stop"}]}`, "conditions.any[0].value"},
		} {
			r := send(admin, "POST", "/api/v1/triggers", tc.body)
			if r.status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: %d %s", tc.name, r.status, r.body)
			}
			if !slices.ContainsFunc(r.problem.Errors, func(e client.FieldError) bool { return e.Field == tc.field }) {
				t.Errorf("%s: errors %+v, want one on %s", tc.name, r.problem.Errors, tc.field)
			}
		}
		if r := send(admin, "GET", "/api/v1/triggers", ""); !strings.Contains(string(r.body), `"items":[]`) {
			t.Fatalf("a refused trigger was saved: %s", r.body)
		}

		// Only admins.
		// Created off, so it does not run on the tickets below in the
		// background before their dry run (which would then change nothing).
		valid := `{"name":"Escalate outages","enabled":false,"events":["ticket.created","ticket.updated"],
			"conditions":{"all":[{"field":"tag","op":"is","value":"outage"}],"any":[]},
			"actions":[{"type":"set","field":"priority","value":"p1"},{"type":"add_tags","tags":["escalated"]}]}`
		if r := send(agent, "POST", "/api/v1/triggers", valid); r.status != http.StatusForbidden {
			t.Fatalf("agent creates: %d", r.status)
		}
		r := send(admin, "POST", "/api/v1/triggers", valid)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var tr struct {
			ID       int64  `json:"id"`
			Position int    `json:"position"`
			Enabled  bool   `json:"enabled"`
			Author   string `json:"author"`
		}
		check(t, json.Unmarshal(r.body, &tr))
		if tr.Position != 1 || tr.Enabled || r.header.Get("Location") != "/api/v1/triggers/"+strconv.FormatInt(tr.ID, 10) {
			t.Fatalf("created %s", r.body)
		}
		path := "/api/v1/triggers/" + strconv.FormatInt(tr.ID, 10)

		// The dry run: what it would do, and nothing written.
		tk := f.ticket(t, client.NewTicket{Subject: "Everything is down", Body: "All of it.", Tags: []string{"outage"},
			Requester: &client.Contact{Email: "ann@example.test"}})
		r = send(admin, "POST", path+"/test", `{"ticket":`+strconv.FormatInt(tk.Number, 10)+`}`)
		if r.status != http.StatusOK {
			t.Fatalf("test: %d %s", r.status, r.body)
		}
		var res struct {
			Matched bool     `json:"matched"`
			Actions []string `json:"actions"`
			Changes []struct{ Field, Old, New string }
		}
		check(t, json.Unmarshal(r.body, &res))
		if !res.Matched || len(res.Actions) != 2 || !slices.ContainsFunc(res.Changes, func(c struct{ Field, Old, New string }) bool {
			return c.Field == "priority" && c.New == "p1"
		}) {
			t.Fatalf("test result %s", r.body)
		}
		// The dry run of a ticket it does not match says so.
		plain := f.ticket(t, client.NewTicket{Subject: "One printer", Body: "Jammed.", Requester: &client.Contact{Email: "bob@example.test"}})
		r = send(admin, "POST", path+"/test", `{"ticket":`+strconv.FormatInt(plain.Number, 10)+`}`)
		check(t, json.Unmarshal(r.body, &res))
		if res.Matched || len(res.Changes) != 0 {
			t.Fatalf("test on a ticket it does not match: %s", r.body)
		}
		if r := send(admin, "POST", path+"/test", `{"ticket":999999}`); r.status != http.StatusNotFound {
			t.Fatalf("test on a missing ticket: %d", r.status)
		}
		if r := send(admin, "POST", path+"/test", `{}`); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("test without a ticket: %d", r.status)
		}

		// PATCH: refused changes leave it as it was.
		if r := send(admin, "PATCH", path, `{"actions":[]}`); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("patch to no actions: %d %s", r.status, r.body)
		}
		r = send(admin, "PATCH", path, `{"enabled":true,"name":"Escalate big outages"}`)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"enabled":true`) || !strings.Contains(string(r.body), `"actions":[{"type":"set"`) {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}

		// The audit log has each change, and its kind filter keeps only
		// the changes (trigger.created is in the log too).
		r = send(admin, "GET", "/api/v1/audit?kind=trigger.updated", "")
		var audited struct {
			Items []struct {
				Kind    string `json:"kind"`
				Subject struct {
					Type string `json:"type"`
					ID   int64  `json:"id"`
				} `json:"subject"`
			} `json:"items"`
		}
		check(t, json.Unmarshal(r.body, &audited))
		if len(audited.Items) == 0 {
			t.Fatalf("audit kind=trigger.updated: no entries: %s", r.body)
		}
		for _, e := range audited.Items {
			if e.Kind != "trigger.updated" || e.Subject.Type != "trigger" || e.Subject.ID != tr.ID {
				t.Fatalf("audit kind=trigger.updated has %s on %s %d: %s", e.Kind, e.Subject.Type, e.Subject.ID, r.body)
			}
		}
		if r := send(admin, "DELETE", path, ""); r.status != http.StatusNoContent {
			t.Fatalf("delete: %d", r.status)
		}
		if r := send(admin, "GET", path, ""); r.status != http.StatusNotFound {
			t.Fatalf("after delete: %d", r.status)
		}
	})
}
