package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/docket/docket/client"
)

func TestPatchTicket(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		_, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Desk"})
		check(t, err)
		_, err = f.admin.CreateCategory(ctx, client.NewCategory{Name: "Email"})
		check(t, err)

		t.Run("If-Match", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{})
			_, etag, err := f.agentC.GetTicket(ctx, tk.Number)
			check(t, err)
			up, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Priority: client.Ptr("p2")}, client.WithIfMatch(etag))
			check(t, err)
			if up.Priority != "p2" || up.ETag == "" || up.ETag == etag {
				t.Fatalf("priority %s, ETag %q after %q: want p2 and a new ETag", up.Priority, up.ETag, etag)
			}
			_, err = f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Priority: client.Ptr("p4")}, client.WithIfMatch(etag))
			wantStatus(t, err, http.StatusPreconditionFailed)
			_, err = f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Priority: client.Ptr("p4")}, client.WithIfMatch("garbage"))
			wantStatus(t, err, http.StatusPreconditionFailed)
			got, getTag, err := f.agentC.GetTicket(ctx, tk.Number)
			check(t, err)
			if got.Priority != "p2" || getTag != up.ETag {
				t.Errorf("after refused patches: priority %s ETag %q, want p2 %q", got.Priority, getTag, up.ETag)
			}
			_, err = f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Priority: client.Ptr("p4")}, client.WithIfMatch(getTag))
			check(t, err)
			_, err = f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Priority: client.Ptr("p3")}, client.WithIfMatch("*"))
			check(t, err)
		})

		t.Run("If-None-Match", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{})
			r, err := f.admin.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", tk.Number), nil, nil,
				func(r *http.Request) { r.Header.Set("If-None-Match", tk.ETag) })
			if err == nil || r == nil || r.Status != http.StatusNotModified {
				t.Errorf("GET with the current ETag: %v, want 304", err)
			}
		})

		transitions := []struct {
			name   string
			setup  []client.TicketPatch
			patch  client.TicketPatch
			field  string // "" means success
			status string
		}{
			{"new to open", nil, client.TicketPatch{Status: client.Ptr("open")}, "", "open"},
			{"new to on hold", nil, client.TicketPatch{Status: client.Ptr("on_hold")}, "", "on_hold"},
			{"unknown status", nil, client.TicketPatch{Status: client.Ptr("sleeping")}, "status", ""},
			{"resolve without resolution", nil, client.TicketPatch{Status: client.Ptr("resolved")}, "resolution", ""},
			{"close without resolution", nil, client.TicketPatch{Status: client.Ptr("closed")}, "resolution", ""},
			{"unknown resolution", nil, client.TicketPatch{Status: client.Ptr("resolved"), Resolution: client.Ptr("magic")}, "resolution", ""},
			{"resolution while open", nil, client.TicketPatch{Resolution: client.Ptr("fixed")}, "resolution", ""},
			{"solution while open", nil, client.TicketPatch{Solution: client.Ptr("text")}, "solution", ""},
			{"closed to open", []client.TicketPatch{{Status: client.Ptr("closed"), Resolution: client.Ptr("fixed")}},
				client.TicketPatch{Status: client.Ptr("open")}, "status", ""},
			{"closed to resolved", []client.TicketPatch{{Status: client.Ptr("closed"), Resolution: client.Ptr("fixed")}},
				client.TicketPatch{Status: client.Ptr("resolved")}, "status", ""},
			{"resolved to pending", []client.TicketPatch{{Status: client.Ptr("resolved"), Resolution: client.Ptr("fixed")}},
				client.TicketPatch{Status: client.Ptr("pending")}, "status", ""},
			{"resolved to open", []client.TicketPatch{{Status: client.Ptr("resolved"), Resolution: client.Ptr("fixed")}},
				client.TicketPatch{Status: client.Ptr("open")}, "", "open"},
			{"null status", nil, client.TicketPatch{Clear: []string{"status"}}, "status", ""},
			{"null subject", nil, client.TicketPatch{Clear: []string{"subject"}}, "subject", ""},
			{"bad priority", nil, client.TicketPatch{Priority: client.Ptr("urgent!")}, "priority", ""},
			{"bad type", nil, client.TicketPatch{Type: client.Ptr("bug")}, "type", ""},
			{"unknown team", nil, client.TicketPatch{Team: client.Ptr("Nobody")}, "team", ""},
			{"unknown assignee", nil, client.TicketPatch{Assignee: client.Ptr("nobody@example.test")}, "assignee", ""},
			{"empty subject", nil, client.TicketPatch{Subject: client.Ptr(" ")}, "subject", ""},
			{"bad tag", nil, client.TicketPatch{Tags: &[]string{"ok", "<script>"}}, "tags[1]", ""},
		}
		for _, tt := range transitions {
			t.Run(tt.name, func(t *testing.T) {
				tk := f.ticket(t, client.NewTicket{})
				for _, p := range tt.setup {
					_, err := f.agentC.UpdateTicket(ctx, tk.Number, p)
					check(t, err)
				}
				_, before, err := f.agentC.GetTicket(ctx, tk.Number)
				check(t, err)
				got, err := f.agentC.UpdateTicket(ctx, tk.Number, tt.patch)
				if tt.field != "" {
					wantField(t, err, tt.field)
					if _, after, err := f.agentC.GetTicket(ctx, tk.Number); err != nil || after != before {
						t.Errorf("a refused patch changed the ticket: ETag %q → %q (%v)", before, after, err)
					}
					return
				}
				check(t, err)
				if got.Status != tt.status {
					t.Errorf("status %s, want %s", got.Status, tt.status)
				}
			})
		}

		t.Run("resolve", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{})
			got, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Status: client.Ptr("resolved"),
				Resolution: client.Ptr("fixed"), Solution: client.Ptr("Replaced the cable.")})
			check(t, err)
			if got.Status != "resolved" || str(got.Resolution) != "fixed" || str(got.Solution) != "Replaced the cable." ||
				got.ResolvedAt == nil || got.ClosedAt != nil {
				t.Errorf("resolved ticket: status %s resolution %s solution %s resolved_at %v closed_at %v",
					got.Status, str(got.Resolution), str(got.Solution), got.ResolvedAt, got.ClosedAt)
			}
			closed, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Status: client.Ptr("closed")})
			check(t, err)
			if closed.Status != "closed" || closed.ClosedAt == nil || str(closed.Resolution) != "fixed" ||
				closed.ResolvedAt == nil || !closed.ResolvedAt.Equal(*got.ResolvedAt) {
				t.Errorf("closed ticket: %+v", closed)
			}
			_, err = f.agentC.Reply(ctx, tk.Number, client.NewMessage{Body: "one more thing"})
			wantStatus(t, err, http.StatusConflict)
		})

		t.Run("reopen clears the resolution", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{})
			_, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Status: client.Ptr("resolved"),
				Resolution: client.Ptr("workaround"), Solution: client.Ptr("Reboot.")})
			check(t, err)
			got, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Status: client.Ptr("open")})
			check(t, err)
			if got.Resolution != nil || got.Solution != nil || got.ResolvedAt != nil {
				t.Errorf("reopened: resolution %s solution %s resolved_at %v", str(got.Resolution), str(got.Solution), got.ResolvedAt)
			}
		})

		t.Run("set and clear with null", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{})
			set, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Assignee: client.Ptr("me"),
				Team: client.Ptr("Desk"), Category: client.Ptr("Email"), Impact: client.Ptr("high"), Urgency: client.Ptr("high"),
				Tags: &[]string{"Mail", "outage"}, Subject: client.Ptr("Mail is down"), Type: client.Ptr("problem")})
			check(t, err)
			if set.Assignee == nil || set.Assignee.Email != f.agent.Email || str(set.Team) != "Desk" || str(set.Category) != "Email" ||
				set.Priority != "p1" || set.Subject != "Mail is down" || set.Type != "problem" || !slices.Equal(set.Tags, []string{"mail", "outage"}) {
				t.Fatalf("after setting: %+v", set)
			}
			// A field absent from the patch is kept; null clears.
			cleared, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Clear: []string{"assignee", "team", "category"}})
			check(t, err)
			if cleared.Assignee != nil || cleared.Team != nil || cleared.Category != nil {
				t.Errorf("after clearing: assignee %+v team %s category %s", cleared.Assignee, str(cleared.Team), str(cleared.Category))
			}
			if cleared.Priority != "p1" || cleared.Subject != "Mail is down" || len(cleared.Tags) != 2 {
				t.Errorf("clearing changed other fields: %+v", cleared)
			}
			kept, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Tags: &[]string{}})
			check(t, err)
			if len(kept.Tags) != 0 || kept.Subject != "Mail is down" {
				t.Errorf("tags %v subject %q", kept.Tags, kept.Subject)
			}
			filtered := listNumbers(t, f.admin, client.TicketFilter{Tag: []string{"mail"}})
			if slices.Contains(filtered, tk.Number) {
				t.Errorf("removed tag still matches the tag filter")
			}
		})

		t.Run("events record changes", func(t *testing.T) {
			tk := f.ticket(t, client.NewTicket{})
			_, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Assignee: client.Ptr(f.agent.Email), Priority: client.Ptr("p1")})
			check(t, err)
			_, err = f.admin.UpdateTicket(ctx, tk.Number, client.TicketPatch{Clear: []string{"assignee"}})
			check(t, err)
			_, err = f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Status: client.Ptr("resolved"), Resolution: client.Ptr("fixed")})
			check(t, err)
			// A patch that changes nothing records nothing.
			_, err = f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Priority: client.Ptr("p1")})
			check(t, err)
			evs, err := f.agentC.Events(ctx, tk.Number, client.ListOptions{})
			check(t, err)
			type ev struct{ actor, field, old, new string }
			var got []ev
			for _, e := range evs.Items {
				actor := "<system>"
				if e.Actor != nil {
					actor = e.Actor.Email
				}
				got = append(got, ev{actor, e.Field, str(e.Old), str(e.New)})
				if e.At.IsZero() {
					t.Errorf("event %+v has no time", e)
				}
			}
			admin, agent := f.Admin.Email, f.agent.Email
			want := []ev{
				{admin, "created", "<nil>", fmt.Sprintf("#%d", tk.Number)},
				{agent, "priority", "p3", "p1"},
				{agent, "assignee", "<nil>", agent},
				{admin, "assignee", agent, "<nil>"},
				{agent, "status", "new", "resolved"},
				{agent, "resolution", "<nil>", "fixed"},
			}
			slices.SortStableFunc(got[1:3], func(a, b ev) int { return -cmpString(a.field, b.field) })
			if !slices.Equal(got, want) {
				t.Errorf("events:\n got %v\nwant %v", got, want)
			}
		})
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestConcurrentPatchWithSameETag(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		tk := f.ticket(t, client.NewTicket{})
		const n = 10
		clients := make([]*client.Client, n)
		for i := range clients {
			clients[i] = f.ClientFor(t, f.agent)
		}
		statuses := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, err := clients[i].UpdateTicket(ctx, tk.Number, client.TicketPatch{Subject: client.Ptr(fmt.Sprintf("Writer %d", i))},
					client.WithIfMatch(tk.ETag))
				if err == nil {
					statuses[i] = http.StatusOK
				} else {
					statuses[i] = client.StatusOf(err)
					if statuses[i] == 0 {
						t.Errorf("writer %d: %v", i, err)
					}
				}
			})
		}
		close(start)
		wg.Wait()
		ok, failed := 0, 0
		winner := -1
		for i, s := range statuses {
			switch s {
			case http.StatusOK:
				ok++
				winner = i
			case http.StatusPreconditionFailed:
				failed++
			}
		}
		if ok != 1 || failed != n-1 {
			t.Fatalf("statuses %v: want exactly one 200 and %d × 412", statuses, n-1)
		}
		got, _, err := f.admin.GetTicket(ctx, tk.Number)
		check(t, err)
		if want := fmt.Sprintf("Writer %d", winner); got.Subject != want {
			t.Errorf("subject %q, want the winner's %q", got.Subject, want)
		}
		evs, err := f.admin.Events(ctx, tk.Number, client.ListOptions{})
		check(t, err)
		subjects := 0
		for _, e := range evs.Items {
			if e.Field == "subject" {
				subjects++
			}
		}
		if subjects != 1 {
			t.Errorf("%d subject events, want 1", subjects)
		}
	})
}

func TestConcurrentPatchWithoutETag(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		tk := f.ticket(t, client.NewTicket{})
		const n = 10
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				tags := []string{"base", fmt.Sprintf("t%d", i)}
				if _, err := f.agentC.UpdateTicket(ctx, tk.Number, client.TicketPatch{Tags: &tags}); err != nil {
					t.Errorf("writer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got, _, err := f.admin.GetTicket(ctx, tk.Number)
		check(t, err)
		if len(got.Tags) != 2 || got.Tags[0] != "base" {
			t.Errorf("tags %v, want base and one writer's tag", got.Tags)
		}
		if got.ETag != fmt.Sprintf(`"%d"`, n+1) {
			t.Logf("ETag after %d serialized writes: %s", n, got.ETag)
		}
	})
}

func TestConcurrentCreate(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		const n = 50
		requester := uniqueEmail("crowd")
		nums := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				tk, err := f.admin.CreateTicket(ctx, client.NewTicket{Subject: fmt.Sprintf("Crowd %d", i), Body: "b",
					Requester: &client.Contact{Email: requester}})
				if err != nil {
					t.Errorf("create %d: %v", i, err)
					return
				}
				nums[i] = tk.Number
			})
		}
		wg.Wait()
		seen := map[int64]bool{}
		for _, num := range nums {
			if num == 0 || seen[num] {
				t.Fatalf("numbers %v are not %d distinct numbers", nums, n)
			}
			seen[num] = true
		}
		if got := listNumbers(t, f.admin, client.TicketFilter{Requester: []string{requester}}); !slices.Equal(got, sorted(nums...)) {
			t.Errorf("listed %v, want %v", got, sorted(nums...))
		}
		us, err := f.admin.ListUsers(ctx, client.UserFilter{Q: requester})
		check(t, err)
		if len(us.Items) != 1 {
			t.Errorf("%d users for one requester", len(us.Items))
		}
	})
}
