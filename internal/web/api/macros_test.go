package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/user"
)

// send is raw with headers (If-Match).
func send(t *testing.T, f *fixture, token, method, path, body string, headers ...string) rawResult {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.URL+path, bytes.NewReader([]byte(body)))
	check(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	check(t, err)
	defer resp.Body.Close()
	r := rawResult{status: resp.StatusCode, header: resp.Header}
	r.body, _ = io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		_ = json.Unmarshal(r.body, &r.problem)
	}
	return r
}

type macroOut struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Visibility string `json:"visibility"`
	Owner      string `json:"owner"`
	UsageCount int64  `json:"usage_count"`
}

// TestMacrosAPI: create, read, change, apply and delete macros; every
// invalid value is a field error with nothing saved; admins manage every
// macro and agents their personal ones; another agent's personal macro is
// not found; applying honours If-Match and counts; canned responses are
// the reply-only macros.
func TestMacrosAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		admin := apptest.Token(t, f.Services, f.Admin)
		agent := apptest.Token(t, f.Services, f.agent)
		other := apptest.Token(t, f.Services, apptest.User(t, f.Services, user.RoleAgent, ""))
		requester := apptest.Token(t, f.Services, f.requester)

		for _, tc := range []struct{ name, body, field string }{
			{"empty macro", `{"name":"A"}`, "actions"},
			{"no name", `{"body":"Hi"}`, "name"},
			{"unknown field", `{"name":"A","actions":[{"type":"set","field":"colour","value":"red"}]}`, "actions[0].field"},
			{"field a macro cannot change", `{"name":"A","actions":[{"type":"set","field":"requester","value":"x@example.test"}]}`, "actions[0].field"},
			{"bad value", `{"name":"A","actions":[{"type":"set","field":"priority","value":"urgent"}]}`, "actions[0].value"},
			{"resolve without a resolution", `{"name":"A","actions":[{"type":"set","field":"status","value":"resolved"}]}`, "actions[0].resolution"},
			{"action a macro has not", `{"name":"A","actions":[{"type":"webhook","webhook_id":1}]}`, "actions[0].type"},
			{"unknown action", `{"name":"A","actions":[{"type":"explode"}]}`, "actions[0].type"},
			{"unknown team", `{"name":"A","body":"Hi","visibility":"team","team":"Nobody"}`, "team"},
			{"unknown visibility", `{"name":"A","body":"Hi","visibility":"world"}`, "visibility"},
			{"unknown tag list", `{"name":"A","actions":[{"type":"add_tags","tags":[]}]}`, "actions[0].tags"},
		} {
			r := send(t, f, admin, "POST", "/api/v1/macros", tc.body)
			if r.status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: %d %s", tc.name, r.status, r.body)
			}
			if !slices.ContainsFunc(r.problem.Errors, func(e client.FieldError) bool { return e.Field == tc.field }) {
				t.Errorf("%s: errors %+v, want one on %s", tc.name, r.problem.Errors, tc.field)
			}
		}
		if r := send(t, f, admin, "GET", "/api/v1/macros", ""); !strings.Contains(string(r.body), `"items":[]`) {
			t.Fatalf("a refused macro was saved: %s", r.body)
		}
		if r := send(t, f, requester, "GET", "/api/v1/macros", ""); r.status != http.StatusForbidden {
			t.Fatalf("a requester lists macros: %d", r.status)
		}

		// An agent's macro is personal; sharing is the admins'.
		if r := send(t, f, agent, "POST", "/api/v1/macros", `{"name":"Shared","body":"x","visibility":"everyone"}`); r.status != http.StatusForbidden {
			t.Fatalf("an agent shares a macro: %d %s", r.status, r.body)
		}
		r := send(t, f, agent, "POST", "/api/v1/macros", `{"name":"My greeting","body":"Hi {{requester.name}}"}`)
		var mine macroOut
		check(t, json.Unmarshal(r.body, &mine))
		if r.status != http.StatusCreated || mine.Visibility != "personal" || mine.Owner != f.agent.Email ||
			r.header.Get("Location") != "/api/v1/macros/"+strconv.FormatInt(mine.ID, 10) {
			t.Fatalf("agent creates: %d %s", r.status, r.body)
		}
		minePath := "/api/v1/macros/" + strconv.FormatInt(mine.ID, 10)
		if r := send(t, f, other, "GET", minePath, ""); r.status != http.StatusNotFound {
			t.Fatalf("another agent's personal macro: %d", r.status)
		}
		if r := send(t, f, other, "PATCH", minePath, `{"name":"Taken"}`); r.status != http.StatusNotFound {
			t.Fatalf("another agent changes a personal macro: %d", r.status)
		}

		r = send(t, f, admin, "POST", "/api/v1/macros", `{"name":"Password reset","body":"Hi {{requester.name}}, see {{ticket.number}}.",
			"actions":[{"type":"set","field":"status","value":"pending"},{"type":"add_tags","tags":["password"]},
			{"type":"note","body":"Reset link sent."}]}`)
		var reset macroOut
		check(t, json.Unmarshal(r.body, &reset))
		if r.status != http.StatusCreated || reset.Visibility != "everyone" {
			t.Fatalf("admin creates: %d %s", r.status, r.body)
		}
		resetPath := "/api/v1/macros/" + strconv.FormatInt(reset.ID, 10)
		if r := send(t, f, agent, "PATCH", resetPath, `{"name":"Mine now"}`); r.status != http.StatusForbidden {
			t.Fatalf("an agent changes a shared macro: %d", r.status)
		}
		if r := send(t, f, admin, "PATCH", resetPath, `{"actions":[]}`); r.status != http.StatusOK {
			t.Fatalf("a macro with a reply may drop its actions: %d %s", r.status, r.body)
		}
		if r := send(t, f, admin, "PATCH", resetPath, `{"body":"","actions":[]}`); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("patch to an empty macro: %d %s", r.status, r.body)
		}
		if r := send(t, f, admin, "PATCH", resetPath, `{"actions":[{"type":"set","field":"status","value":"pending"},{"type":"add_tags","tags":["password"]},
			{"type":"note","body":"Reset link sent."}]}`); r.status != http.StatusOK {
			t.Fatalf("patch back: %d %s", r.status, r.body)
		}

		// Apply: one transaction, If-Match honoured, counted.
		tk := f.ticket(t, client.NewTicket{Requester: &client.Contact{Email: "ann@example.test", Name: "Ann"}})
		applyPath := "/api/v1/tickets/" + strconv.FormatInt(tk.Number, 10) + "/macros/" + strconv.FormatInt(reset.ID, 10)
		if r := send(t, f, agent, "POST", applyPath, "", "If-Match", `"999"`); r.status != http.StatusPreconditionFailed {
			t.Fatalf("a stale If-Match: %d %s", r.status, r.body)
		}
		r = send(t, f, agent, "POST", applyPath, "", "If-Match", tk.ETag)
		var applied struct {
			Macro  struct{ Name string }
			Reply  string
			Ticket struct {
				Status string   `json:"status"`
				Tags   []string `json:"tags"`
			}
		}
		check(t, json.Unmarshal(r.body, &applied))
		if r.status != http.StatusOK || applied.Ticket.Status != "pending" || !slices.Contains(applied.Ticket.Tags, "password") ||
			applied.Reply != "Hi Ann, see "+tk.Reference+"." || r.header.Get("ETag") == "" || r.header.Get("ETag") == tk.ETag {
			t.Fatalf("apply: %d %s", r.status, r.body)
		}
		r = send(t, f, agent, "GET", "/api/v1/tickets/"+strconv.FormatInt(tk.Number, 10)+"/events", "")
		if !strings.Contains(string(r.body), `"field":"macro"`) || !strings.Contains(string(r.body), `"new":"Password reset"`) {
			t.Fatalf("history does not name the macro: %s", r.body)
		}
		if r := send(t, f, other, "POST", "/api/v1/tickets/"+strconv.FormatInt(tk.Number, 10)+"/macros/"+strconv.FormatInt(mine.ID, 10), ""); r.status != http.StatusNotFound {
			t.Fatalf("applying another agent's personal macro: %d", r.status)
		}
		if r := send(t, f, agent, "POST", "/api/v1/tickets/999999/macros/"+strconv.FormatInt(reset.ID, 10), ""); r.status != http.StatusNotFound {
			t.Fatalf("applying to a missing ticket: %d", r.status)
		}
		var got macroOut
		check(t, json.Unmarshal(send(t, f, agent, "GET", resetPath, "").body, &got))
		if got.UsageCount != 1 {
			t.Fatalf("usage count %d, want 1", got.UsageCount)
		}

		// Canned responses: the reply-only macros the caller may use.
		r = send(t, f, agent, "GET", "/api/v1/canned-responses", "")
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"name":"My greeting"`) || strings.Contains(string(r.body), "Password reset") {
			t.Fatalf("canned responses: %d %s", r.status, r.body)
		}
		r = send(t, f, admin, "POST", "/api/v1/canned-responses", `{"name":"Thanks","body":"Thank you!","shared":true}`)
		var c struct {
			ID     int64 `json:"id"`
			Shared bool  `json:"shared"`
		}
		check(t, json.Unmarshal(r.body, &c))
		if r.status != http.StatusCreated || !c.Shared {
			t.Fatalf("canned create: %d %s", r.status, r.body)
		}
		// Pages: one at a time, in name order.
		r = send(t, f, agent, "GET", "/api/v1/canned-responses?limit=1", "")
		var pg struct {
			Items      []struct{ Name string }
			NextCursor *string `json:"next_cursor"`
		}
		check(t, json.Unmarshal(r.body, &pg))
		if len(pg.Items) != 1 || pg.Items[0].Name != "My greeting" || pg.NextCursor == nil {
			t.Fatalf("first page: %s", r.body)
		}
		r = send(t, f, agent, "GET", "/api/v1/canned-responses?limit=1&cursor="+*pg.NextCursor, "")
		pg.NextCursor = nil
		check(t, json.Unmarshal(r.body, &pg))
		if len(pg.Items) != 1 || pg.Items[0].Name != "Thanks" || pg.NextCursor != nil {
			t.Fatalf("second page: %s", r.body)
		}
		if r := send(t, f, admin, "GET", "/api/v1/macros/"+strconv.FormatInt(c.ID, 10), ""); r.status != http.StatusOK || !strings.Contains(string(r.body), `"actions":[]`) {
			t.Fatalf("a canned response is a macro: %d %s", r.status, r.body)
		}
		if r := send(t, f, admin, "POST", "/api/v1/canned-responses", `{"name":"Empty","body":" "}`); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("canned without a body: %d", r.status)
		}
		if r := send(t, f, agent, "PATCH", "/api/v1/canned-responses/"+strconv.FormatInt(c.ID, 10), `{"name":"Mine"}`); r.status != http.StatusForbidden {
			t.Fatalf("an agent changes a shared canned response: %d", r.status)
		}
		if r := send(t, f, other, "GET", "/api/v1/canned-responses/"+strconv.FormatInt(mine.ID, 10), ""); r.status != http.StatusNotFound {
			t.Fatalf("another agent's canned response: %d", r.status)
		}
		if r := send(t, f, admin, "GET", "/api/v1/canned-responses/"+strconv.FormatInt(reset.ID, 10), ""); r.status != http.StatusNotFound {
			t.Fatalf("a macro with actions as a canned response: %d", r.status)
		}
		if r := send(t, f, admin, "DELETE", "/api/v1/canned-responses/"+strconv.FormatInt(c.ID, 10), ""); r.status != http.StatusNoContent {
			t.Fatalf("canned delete: %d", r.status)
		}

		// Audit log, and delete.
		if r := send(t, f, admin, "GET", "/api/v1/audit?kind=macro.updated", ""); !strings.Contains(string(r.body), `"kind":"macro.updated"`) {
			t.Fatalf("audit: %s", r.body)
		}
		if r := send(t, f, agent, "DELETE", minePath, ""); r.status != http.StatusNoContent {
			t.Fatalf("an agent deletes their own: %d", r.status)
		}
		if r := send(t, f, agent, "GET", minePath, ""); r.status != http.StatusNotFound {
			t.Fatalf("after delete: %d", r.status)
		}
	})
}
