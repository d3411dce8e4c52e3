package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
)

func TestCreateTicket(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		_, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Network"})
		check(t, err)
		_, err = f.admin.CreateCategory(ctx, client.NewCategory{Name: "VPN"})
		check(t, err)

		t.Run("201 with Location and ETag", func(t *testing.T) {
			var tk client.Ticket
			r, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/tickets", client.NewTicket{Subject: "Printer on fire",
				Body: "Smoke everywhere.", Requester: &client.Contact{Email: uniqueEmail("loc"), Name: "Lou"}}, &tk)
			check(t, err)
			if r.Status != http.StatusCreated {
				t.Errorf("status %d, want 201", r.Status)
			}
			if want := "/api/v1/tickets/" + strconv.FormatInt(tk.Number, 10); r.Header.Get("Location") != want {
				t.Errorf("Location %q, want %q", r.Header.Get("Location"), want)
			}
			if tk.Number <= 0 || len(tk.ID) != 36 {
				t.Errorf("number %d, id %q: want a positive number and a UUID", tk.Number, tk.ID)
			}
			etag := r.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			_, getTag, err := f.admin.GetTicket(ctx, tk.Number)
			check(t, err)
			if getTag != etag {
				t.Errorf("GET ETag %q, create ETag %q", getTag, etag)
			}
		})

		t.Run("defaults", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{Subject: "  Defaults   please ", Body: "b"})
			if tk.Type != "incident" || tk.Status != "new" || tk.Channel != "api" || tk.Priority != "p3" {
				t.Errorf("type %s status %s channel %s priority %s, want incident new api p3", tk.Type, tk.Status, tk.Channel, tk.Priority)
			}
			if tk.Subject != "Defaults please" {
				t.Errorf("subject %q, want spaces collapsed", tk.Subject)
			}
			if tk.Assignee != nil || tk.Team != nil || tk.Category != nil || tk.ResolvedAt != nil || tk.FirstResponseAt != nil {
				t.Errorf("unexpected values on a plain ticket: %+v", tk)
			}
			if tk.Tags == nil || tk.CustomFields == nil {
				t.Errorf("tags %v and custom_fields %v should be empty, not null", tk.Tags, tk.CustomFields)
			}
		})

		type priorityCase struct {
			name                      string
			priority, impact, urgency string
			want                      string
			wantImpact, wantUrgency   string
		}
		priorities := []priorityCase{
			{"explicit wins over matrix", "p4", "high", "high", "p4", "high", "high"},
			{"explicit alone", "p1", "", "", "p1", "<nil>", "<nil>"},
			{"explicit by name", "critical", "", "", "p1", "<nil>", "<nil>"},
		}
		// The whole impact × urgency matrix.
		for iu, want := range map[[2]string]string{
			{"high", "high"}: "p1", {"high", "medium"}: "p2", {"high", "low"}: "p3",
			{"medium", "high"}: "p2", {"medium", "medium"}: "p3", {"medium", "low"}: "p4",
			{"low", "high"}: "p3", {"low", "medium"}: "p4", {"low", "low"}: "p4",
		} {
			priorities = append(priorities, priorityCase{iu[0] + " × " + iu[1], "", iu[0], iu[1], want, iu[0], iu[1]})
		}
		for _, tt := range priorities {
			t.Run("priority "+tt.name, func(t *testing.T) {
				tk := f.ticket(t, client.NewTicket{Priority: tt.priority, Impact: tt.impact, Urgency: tt.urgency})
				if tk.Priority != tt.want || str(tk.Impact) != tt.wantImpact || str(tk.Urgency) != tt.wantUrgency {
					t.Errorf("priority %s impact %s urgency %s, want %s %s %s", tk.Priority, str(tk.Impact), str(tk.Urgency),
						tt.want, tt.wantImpact, tt.wantUrgency)
				}
			})
		}

		t.Run("all references", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{Type: "request", Team: "network", Category: "VPN", Assignee: f.agent.Email,
				Tags: []string{"VPN", "remote work", "vpn"}, Channel: "phone"})
			if tk.Type != "request" || str(tk.Team) != "Network" || str(tk.Category) != "VPN" || tk.Channel != "phone" {
				t.Errorf("got type %s team %s category %s channel %s", tk.Type, str(tk.Team), str(tk.Category), tk.Channel)
			}
			if tk.Assignee == nil || tk.Assignee.Email != f.agent.Email {
				t.Errorf("assignee %+v, want %s", tk.Assignee, f.agent.Email)
			}
			if strings.Join(tk.Tags, ",") != "remote-work,vpn" {
				t.Errorf("tags %v, want [remote-work vpn]", tk.Tags)
			}
		})

		t.Run("requester found case-insensitively", func(t *testing.T) {
			addr := uniqueEmail("bob")
			upper := strings.ToUpper(addr[:strings.IndexByte(addr, '@')]) + addr[strings.IndexByte(addr, '@'):]
			t1 := createTicket(t, f.admin, client.NewTicket{Requester: &client.Contact{Email: upper, Name: "Bob"}})
			t2 := createTicket(t, f.admin, client.NewTicket{Requester: &client.Contact{Email: addr, Name: "bob"}})
			if !strings.EqualFold(t1.Requester.Email, addr) || t1.Requester.Email != t2.Requester.Email {
				t.Errorf("requesters %q and %q, want one person", t1.Requester.Email, t2.Requester.Email)
			}
			us, err := f.admin.ListUsers(ctx, client.UserFilter{Q: addr})
			check(t, err)
			if len(us.Items) != 1 || us.Items[0].Role != "requester" {
				t.Fatalf("users matching %s: %+v, want one requester", addr, us.Items)
			}
			mine, err := f.admin.ListTickets(ctx, client.TicketFilter{Requester: []string{addr}})
			check(t, err)
			if got := sorted(numbers(mine.Items)...); len(got) != 2 || got[0] != t1.Number || got[1] != t2.Number {
				t.Errorf("tickets of %s: %v, want %d and %d", addr, got, t1.Number, t2.Number)
			}
		})

		t.Run("requester creates for themselves", func(t *testing.T) {
			tk := createTicket(t, f.reqC, client.NewTicket{Subject: "My laptop"})
			if tk.Requester.Email != f.requester.Email {
				t.Errorf("requester %q, want %q", tk.Requester.Email, f.requester.Email)
			}
			_, err := f.reqC.CreateTicket(ctx, client.NewTicket{Subject: "x", Body: "y", Priority: "p1"})
			wantField(t, err, "priority")
			_, err = f.reqC.CreateTicket(ctx, client.NewTicket{Subject: "x", Body: "y", Requester: &client.Contact{Email: uniqueEmail("other")}})
			wantField(t, err, "requester")
		})
	})
}

func TestCreateTicketInvalid(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		_, err := f.admin.CreateCategory(ctx, client.NewCategory{Name: "Retired", Active: client.Ptr(false)})
		check(t, err)
		_, err = f.admin.CreateCustomField(ctx, client.NewCustomField{Key: "cab_date", Label: "CAB date", Type: "date",
			Required: true, TicketType: "change"})
		check(t, err)
		base := func() map[string]any {
			return map[string]any{"subject": "Broken", "body": "It is broken.",
				"requester": map[string]any{"email": uniqueEmail("ghost"), "name": "Ghost"}}
		}
		tests := []struct {
			name   string
			change func(m map[string]any)
			status int
			field  string
		}{
			{"unknown team", func(m map[string]any) { m["team"] = "Nobody" }, 422, "team"},
			{"unknown category", func(m map[string]any) { m["category"] = "Nothing" }, 422, "category"},
			{"inactive category", func(m map[string]any) { m["category"] = "Retired" }, 422, "category"},
			{"unknown assignee", func(m map[string]any) { m["assignee"] = "nobody@example.test" }, 422, "assignee"},
			{"requester as assignee", func(m map[string]any) { m["assignee"] = f.requester.Email }, 422, "assignee"},
			{"unknown field", func(m map[string]any) { m["colour"] = "red" }, 422, "colour"},
			{"subject of wrong type", func(m map[string]any) { m["subject"] = 5 }, 422, "subject"},
			{"tags of wrong type", func(m map[string]any) { m["tags"] = "a,b" }, 422, "tags"},
			{"subject too long", func(m map[string]any) { m["subject"] = strings.Repeat("s", 300) }, 422, "subject"},
			{"empty subject", func(m map[string]any) { m["subject"] = "   " }, 422, "subject"},
			{"empty body", func(m map[string]any) { m["body"] = "" }, 422, "body"},
			{"missing requester", func(m map[string]any) { delete(m, "requester") }, 422, "requester"},
			{"bad requester email", func(m map[string]any) { m["requester"] = map[string]any{"email": "not an address"} }, 422, "requester.email"},
			{"bad type", func(m map[string]any) { m["type"] = "bug" }, 422, "type"},
			{"bad priority", func(m map[string]any) { m["priority"] = "p9" }, 422, "priority"},
			{"bad impact", func(m map[string]any) { m["impact"] = "huge"; m["urgency"] = "low" }, 422, "impact"},
			{"bad channel", func(m map[string]any) { m["channel"] = "pigeon" }, 422, "channel"},
			{"missing required custom field", func(m map[string]any) { m["type"] = "change" }, 422, "custom_fields.cab_date"},
			{"invalid custom field", func(m map[string]any) {
				m["type"] = "change"
				m["custom_fields"] = map[string]any{"cab_date": "next tuesday"}
			}, 422, "custom_fields.cab_date"},
			{"unknown custom field", func(m map[string]any) { m["custom_fields"] = map[string]any{"nope": 1} }, 422, "custom_fields.nope"},
			{"body too large", func(m map[string]any) { m["body"] = strings.Repeat("x", 1<<20+1) }, 413, ""},
		}
		before, err := f.admin.ListTickets(ctx, client.TicketFilter{Limit: 200})
		check(t, err)
		usersBefore, err := f.admin.ListUsers(ctx, client.UserFilter{ListOptions: client.ListOptions{Limit: 200}})
		check(t, err)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				body := base()
				tt.change(body)
				_, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/tickets", body, nil)
				if tt.field != "" {
					wantField(t, err, tt.field)
				} else {
					wantStatus(t, err, tt.status)
				}
			})
		}
		t.Run("malformed JSON", func(t *testing.T) {
			tok := apptest.Token(t, f.Services, f.Admin)
			for _, body := range []string{`{"subject": "x",`, `{"subject": "x"} {}`, `[1,2]`, ``, `nonsense`} {
				r := raw(t, f.URL, tok, http.MethodPost, "/api/v1/tickets", "application/json", []byte(body))
				if r.status != http.StatusBadRequest || r.problem.Status != http.StatusBadRequest {
					t.Errorf("body %q: status %d (%+v), want 400 problem", body, r.status, r.problem)
				}
			}
		})
		t.Run("nothing left behind", func(t *testing.T) {
			after, err := f.admin.ListTickets(ctx, client.TicketFilter{Limit: 200})
			check(t, err)
			if len(after.Items) != len(before.Items) {
				t.Errorf("%d tickets after failed creates, want %d", len(after.Items), len(before.Items))
			}
			usersAfter, err := f.admin.ListUsers(ctx, client.UserFilter{ListOptions: client.ListOptions{Limit: 200}})
			check(t, err)
			if len(usersAfter.Items) != len(usersBefore.Items) {
				var emails []string
				for _, u := range usersAfter.Items {
					emails = append(emails, u.Email)
				}
				t.Errorf("%d users after failed creates, want %d: %v", len(usersAfter.Items), len(usersBefore.Items), emails)
			}
			ghosts, err := f.admin.ListUsers(ctx, client.UserFilter{Q: "ghost"})
			check(t, err)
			if len(ghosts.Items) != 0 {
				t.Errorf("requesters of failed tickets were created: %+v", ghosts.Items)
			}
		})
		t.Run("valid custom field", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{Type: "change", CustomFields: map[string]any{"cab_date": "2026-03-01"}})
			if tk.CustomFields["cab_date"] != "2026-03-01" {
				t.Errorf("custom_fields %v", tk.CustomFields)
			}
		})
	})
}
