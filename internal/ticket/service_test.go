package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

func fieldMsg(err error, field string) string {
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		for _, f := range inv.Fields {
			if f.Field == field {
				return f.Message
			}
		}
	}
	return ""
}

func TestCreateDefaultsHistoryAndEvent(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		sub := s.Bus.Subscribe(10)
		defer sub.Close()
		tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
			n.Subject = "  Printer   on fire "
			n.Tags = []string{"Hardware", "hardware", "urgent stuff"}
			n.Impact, n.Urgency = ticket.High, ticket.High
		})
		if tk.Number < 1001 || tk.Status != ticket.StatusNew || tk.Type != ticket.Incident || tk.Channel != ticket.ChannelAPI {
			t.Fatalf("unexpected defaults: %+v", tk)
		}
		if tk.Subject != "Printer on fire" {
			t.Errorf("subject not normalized: %q", tk.Subject)
		}
		if tk.Priority != ticket.P1 {
			t.Errorf("priority = %s, want p1 from high×high", tk.Priority)
		}
		if !slices.Equal(tk.Tags, []string{"hardware", "urgent-stuff"}) {
			t.Errorf("tags = %v", tk.Tags)
		}
		if len(tk.UID) != 36 {
			t.Errorf("uid = %q", tk.UID)
		}
		// The bus also carries changes to people's access (the agent's
		// creation): the first ticket event must be this one.
		deadline := time.After(5 * time.Second)
	wait:
		for {
			select {
			case e := <-sub.C:
				if e.Number == 0 {
					continue
				}
				if e.Type != event.TicketCreated || e.Number != tk.Number || e.ActorID != agent.ID {
					t.Errorf("event = %+v", e)
				}
				break wait
			case <-deadline:
				t.Error("no ticket.created event published")
				break wait
			}
		}
		evs, err := s.Tickets.Events(ctx, agent, tk.Number, 0, 50)
		if err != nil || len(evs) != 1 || evs[0].Field != "created" || evs[0].Actor.Email != agent.Email {
			t.Fatalf("history = %+v, %v", evs, err)
		}
		msgs, err := s.Tickets.Messages(ctx, agent, tk.Number, 0, 50)
		// The agent opened it for the requester: the words are the requester's.
		if err != nil || len(msgs) != 1 || msgs[0].Author.Email != tk.Requester.Email || !strings.Contains(msgs[0].BodyHTML, "<p>Something is broken.</p>") {
			t.Fatalf("messages = %+v, %v", msgs, err)
		}
	})
}

func TestCreateValidationWritesNothing(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		typ := ticket.FieldSelect
		key, label := "os", "Operating system"
		req := true
		opts := []string{"linux", "windows"}
		if _, err := s.Tickets.CreateFieldDef(ctx, admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ, Options: &opts, Required: &req}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			in    ticket.NewTicket
			field string
		}{
			{"no subject", ticket.NewTicket{Body: "x"}, "subject"},
			{"no body", ticket.NewTicket{Subject: "x"}, "body"},
			{"bad type", ticket.NewTicket{Subject: "x", Body: "y", Type: "bug"}, "type"},
			{"bad priority", ticket.NewTicket{Subject: "x", Body: "y", Priority: "p9"}, "priority"},
			{"bad impact", ticket.NewTicket{Subject: "x", Body: "y", Impact: "huge", Urgency: ticket.Low}, "impact"},
			{"long subject", ticket.NewTicket{Subject: strings.Repeat("é", 256), Body: "y"}, "subject"},
			{"unknown team", ticket.NewTicket{Subject: "x", Body: "y", Team: "Nope"}, "team"},
			{"unknown category", ticket.NewTicket{Subject: "x", Body: "y", Category: "Nope"}, "category"},
			{"unknown assignee", ticket.NewTicket{Subject: "x", Body: "y", Assignee: "ghost@example.test"}, "assignee"},
			{"missing required field", ticket.NewTicket{Subject: "x", Body: "y"}, "custom_fields.os"},
			{"bad select value", ticket.NewTicket{Subject: "x", Body: "y", CustomFields: map[string]any{"os": "beos"}}, "custom_fields.os"},
			{"unknown field", ticket.NewTicket{Subject: "x", Body: "y", CustomFields: map[string]any{"os": "linux", "nope": 1}}, "custom_fields.nope"},
			{"bad requester", ticket.NewTicket{Subject: "x", Body: "y", Requester: &ticket.Contact{Email: "not-an-email"}}, "requester.email"},
			{"unknown attachment", ticket.NewTicket{Subject: "x", Body: "y", CustomFields: map[string]any{"os": "linux"}, Attachments: []string{"deadbeef"}}, "attachments[0]"},
		}
		for _, c := range cases {
			if c.in.Requester == nil {
				c.in.Requester = &ticket.Contact{Email: "newperson-" + strings.ReplaceAll(c.name, " ", "") + "@example.test"}
			}
			_, err := s.Tickets.Create(ctx, admin, c.in)
			if msg := fieldMsg(err, c.field); msg == "" {
				t.Errorf("%s: error %v does not name field %s", c.name, err, c.field)
			}
		}
		n, err := s.Tickets.Count(ctx, admin, ticket.Filter{})
		if err != nil || n != 0 {
			t.Fatalf("tickets after failed creates = %d, %v; want 0", n, err)
		}
		us, _ := s.Users.List(ctx, user.ListFilter{Limit: 100})
		if len(us) != 1 {
			t.Fatalf("failed creates left %d users behind (want only the admin)", len(us)-1)
		}
	})
}

func TestConcurrentCreatesGetDistinctNumbers(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[int64]bool{}
		errs := make(chan error, 50)
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				tk, err := s.Tickets.Create(ctx, agent, ticket.NewTicket{Subject: fmt.Sprint("c", i), Body: "b",
					Requester: &ticket.Contact{Email: "same@example.test"}})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				seen[tk.Number] = true
				mu.Unlock()
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(seen) != 50 {
			t.Fatalf("%d distinct numbers for 50 tickets", len(seen))
		}
	})
}

func TestUpdateRecordsHistoryAndChecksVersion(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		name := "Network"
		if _, err := s.Tickets.CreateCategory(ctx, admin, ticket.CategoryInput{Name: &name}); err != nil {
			t.Fatal(err)
		}
		tk := apptest.Ticket(t, s, agent)
		st, asg, cat, prio := ticket.StatusOpen, agent.Email, "network", "p1"
		up, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &st, Assignee: &asg, Category: &cat, Priority: &prio}, tk.Version)
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != tk.Version+1 || up.Status != ticket.StatusOpen || up.Assignee == nil || up.Assignee.Email != agent.Email ||
			up.Category == nil || up.Category.Name != "Network" || up.Priority != ticket.P1 {
			t.Fatalf("update not applied: %+v", up)
		}
		// The old version is stale now.
		subj := "changed"
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Subject: &subj}, tk.Version); !errors.Is(err, fault.ErrPrecondition) {
			t.Fatalf("stale version: err = %v, want ErrPrecondition", err)
		}
		evs, _ := s.Tickets.Events(ctx, agent, tk.Number, 0, 50)
		got := map[string][2]string{}
		for _, e := range evs {
			got[e.Field] = [2]string{e.Old, e.New}
		}
		want := map[string][2]string{"status": {"new", "open"}, "assignee": {"", agent.Email}, "category": {"", "Network"}, "priority": {"p3", "p1"}}
		for f, w := range want {
			if got[f] != w {
				t.Errorf("history %s = %v, want %v", f, got[f], w)
			}
		}
		if _, ok := got["subject"]; ok {
			t.Error("a rejected update left history behind")
		}
		// Resolve needs a resolution; reopening clears it.
		res := ticket.StatusResolved
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &res}, 0); fieldMsg(err, "resolution") == "" {
			t.Fatalf("resolve without resolution: %v", err)
		}
		fixed := ticket.ResolutionFixed
		sol := "Replaced the cable."
		up, err = s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &res, Resolution: &fixed, Solution: &sol}, 0)
		if err != nil || up.ResolvedAt == nil || up.Resolution != fixed || up.Solution != sol {
			t.Fatalf("resolve: %+v %v", up, err)
		}
		up, err = s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &st}, 0)
		if err != nil || up.ResolvedAt != nil || up.Resolution != "" || up.Solution != "" {
			t.Fatalf("reopen kept the resolution: %+v %v", up, err)
		}
		closed := ticket.StatusClosed
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &closed, Resolution: &fixed}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &st}, 0); fieldMsg(err, "status") == "" {
			t.Fatalf("closed → open allowed: %v", err)
		}
	})
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		agent := apptest.User(t, s, user.RoleAgent, "")
		team := "Ops"
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &team}); err != nil {
			t.Fatal(err)
		}
		tk := apptest.Ticket(t, s, agent)
		subj, prio, asg, typ := "new subject", "p1", agent.Email, ticket.Request
		tags := []string{"a", "b"}
		imp := ticket.Low
		patches := []ticket.Patch{{Subject: &subj}, {Priority: &prio}, {Assignee: &asg}, {Team: &team}, {Type: &typ}, {Tags: &tags}, {Impact: &imp, Urgency: &imp}}
		var wg sync.WaitGroup
		for _, p := range patches {
			wg.Add(1)
			go func(p ticket.Patch) {
				defer wg.Done()
				if _, err := s.Tickets.Update(ctx, agent, tk.Number, p, 0); err != nil {
					t.Error(err)
				}
			}(p)
		}
		wg.Wait()
		got, err := s.Tickets.Get(ctx, agent, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != subj || got.Assignee == nil || got.Team == nil || got.Type != typ || !slices.Equal(got.Tags, tags) || got.Impact != imp {
			t.Fatalf("lost an update: %+v", got)
		}
		if got.Version != tk.Version+int64(len(patches)) {
			t.Errorf("version = %d, want %d", got.Version, tk.Version+int64(len(patches)))
		}
	})
}

func TestVisibility(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		member := apptest.User(t, s, user.RoleAgent, "")
		outsider := apptest.User(t, s, user.RoleAgent, "")
		name, yes := "HR", true
		members := []string{member.Email}
		if _, err := s.Users.CreateTeam(ctx, admin, user.TeamInput{Name: &name, Restricted: &yes, Members: &members}); err != nil {
			t.Fatal(err)
		}
		member = apptest.Actor(t, s, member)
		secret := apptest.Ticket(t, s, admin, func(n *ticket.NewTicket) { n.Team = "HR"; n.Subject = "Salary question" })
		open := apptest.Ticket(t, s, admin)
		for _, c := range []struct {
			who  *user.Actor
			sees bool
		}{{admin, true}, {member, true}, {outsider, false}} {
			_, err := s.Tickets.Get(ctx, c.who, secret.Number)
			if c.sees != (err == nil) {
				t.Errorf("%s sees restricted ticket: %v (err %v)", c.who.Email, !c.sees, err)
			}
			if !c.sees && !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("invisible ticket must be not found, got %v", err)
			}
			n, _ := s.Tickets.Count(ctx, c.who, ticket.Filter{})
			want := 1
			if c.sees {
				want = 2
			}
			if n != want {
				t.Errorf("%s counts %d tickets, want %d", c.who.Email, n, want)
			}
			q, _ := search.Parse("salary")
			list, _, _ := s.Tickets.List(ctx, c.who, ticket.Filter{Text: q})
			if (len(list) == 1) != c.sees {
				t.Errorf("%s search finds %d restricted tickets", c.who.Email, len(list))
			}
		}
		// Requesters see their own tickets only.
		req, err := s.Users.ByEmail(ctx, open.Requester.Email)
		if err != nil {
			t.Fatal(err)
		}
		ra, _ := s.Users.Actor(ctx, req.ID)
		if _, err := s.Tickets.Get(ctx, ra, open.Number); err != nil {
			t.Errorf("requester cannot see own ticket: %v", err)
		}
		if _, err := s.Tickets.Get(ctx, ra, secret.Number); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("requester sees another's ticket: %v", err)
		}
		if _, err := s.Tickets.Update(ctx, outsider, secret.Number, ticket.Patch{}, 0); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("outsider update of restricted ticket: %v, want not found", err)
		}
	})
}

func TestReplyStatusRulesAndFollowUp(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		req, _ := s.Users.ByEmail(ctx, tk.Requester.Email)
		ra, _ := s.Users.Actor(ctx, req.ID)

		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "note", Internal: true}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Tickets.Get(ctx, agent, tk.Number)
		if got.Status != ticket.StatusNew || got.FirstResponseAt != nil {
			t.Fatalf("an internal note counted as a response: %+v", got)
		}
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Hi **Bob**"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Tickets.Get(ctx, agent, tk.Number)
		if got.Status != ticket.StatusOpen || got.FirstResponseAt == nil {
			t.Fatalf("agent reply did not open / set first response: %+v", got)
		}
		if _, err := s.Tickets.Reply(ctx, ra, tk.Number, ticket.NewReply{Body: "secret", Internal: true}); !errors.Is(err, fault.ErrForbidden) {
			t.Fatalf("requester internal note: %v", err)
		}
		msgs, _ := s.Tickets.Messages(ctx, ra, tk.Number, 0, 50)
		for _, m := range msgs {
			if m.Internal {
				t.Fatal("requester sees an internal note")
			}
		}
		if len(msgs) != 2 {
			t.Fatalf("requester sees %d messages, want 2", len(msgs))
		}
		res, fixed := ticket.StatusResolved, ticket.ResolutionFixed
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &res, Resolution: &fixed}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, ra, tk.Number, ticket.NewReply{Body: "Still broken"}); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Tickets.Get(ctx, agent, tk.Number)
		if got.Status != ticket.StatusOpen || got.Resolution != "" {
			t.Fatalf("requester reply did not reopen: %+v", got)
		}
		closed := ticket.StatusClosed
		if _, err := s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &closed, Resolution: &fixed}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "late"}); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("agent reply to closed ticket: %v, want conflict", err)
		}
		m, err := s.Tickets.Reply(ctx, ra, tk.Number, ticket.NewReply{Body: "It broke again"})
		if err != nil {
			t.Fatal(err)
		}
		if m.TicketNumber == tk.Number {
			t.Fatal("requester reply landed on the closed ticket")
		}
		links, _ := s.Tickets.Links(ctx, agent, m.TicketNumber)
		if len(links) != 1 || links[0].Number != tk.Number || links[0].Type != ticket.LinkRelated {
			t.Fatalf("follow-up links = %+v", links)
		}
		fu, _ := s.Tickets.Get(ctx, agent, m.TicketNumber)
		if fu.Requester.Email != req.Email || !strings.HasPrefix(fu.Subject, "Follow-up: ") {
			t.Fatalf("follow-up = %+v", fu)
		}
	})
}

func TestMergeMovesConversation(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		a := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Tags = []string{"x"}; n.Body = "uniqueword" })
		b := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) { n.Tags = []string{"y"} })
		c := apptest.Ticket(t, s, agent)
		if err := s.Tickets.AddLink(ctx, agent, a.Number, ticket.LinkCausedBy, c.Number); err != nil {
			t.Fatal(err)
		}
		merged, err := s.Tickets.Merge(ctx, agent, a.Number, b.Number)
		if err != nil {
			t.Fatal(err)
		}
		if merged.MergedInto != b.Number || merged.Status != ticket.StatusClosed || merged.Resolution != ticket.ResolutionDuplicate {
			t.Fatalf("merged = %+v", merged)
		}
		msgs, _ := s.Tickets.Messages(ctx, agent, b.Number, 0, 50)
		if len(msgs) != 2 {
			t.Fatalf("survivor has %d messages, want 2", len(msgs))
		}
		surv, _ := s.Tickets.Get(ctx, agent, b.Number)
		if !slices.Equal(surv.Tags, []string{"x", "y"}) {
			t.Errorf("survivor tags = %v", surv.Tags)
		}
		if len(surv.Followers) != 1 || surv.Followers[0].Email != a.Requester.Email {
			t.Errorf("merged requester does not follow the survivor: %+v", surv.Followers)
		}
		links, _ := s.Tickets.Links(ctx, agent, b.Number)
		if len(links) != 1 || links[0].Number != c.Number || links[0].Type != ticket.LinkCausedBy {
			t.Errorf("links did not move: %+v", links)
		}
		q, _ := search.Parse("uniqueword")
		found, _, _ := s.Tickets.List(ctx, agent, ticket.Filter{Text: q})
		if len(found) != 1 || found[0].Number != b.Number {
			t.Errorf("search finds the moved message on %+v", found)
		}
		// The merged requester can reply: it lands on the survivor.
		req, _ := s.Users.ByEmail(ctx, a.Requester.Email)
		ra, _ := s.Users.Actor(ctx, req.ID)
		m, err := s.Tickets.Reply(ctx, ra, a.Number, ticket.NewReply{Body: "any news?"})
		if err != nil || m.TicketNumber != b.Number {
			t.Fatalf("reply to merged ticket: %+v %v", m, err)
		}
		if _, err := s.Tickets.Merge(ctx, agent, a.Number, c.Number); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("merging twice: %v", err)
		}
		if _, err := s.Tickets.Merge(ctx, agent, c.Number, c.Number); fieldMsg(err, "into") == "" {
			t.Errorf("merge into itself: %v", err)
		}
	})
}

func TestListFiltersSortAndPages(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		var numbers []int64
		for i := 0; i < 9; i++ {
			tk := apptest.Ticket(t, s, agent, func(n *ticket.NewTicket) {
				n.Priority = fmt.Sprint("p", i%4+1)
				if i%3 == 0 {
					n.Tags = []string{"vpn"}
					n.Assignee = agent.Email
				}
			})
			numbers = append(numbers, tk.Number)
		}
		// Newest first by default, three per page, no duplicates, nothing missed.
		var got []int64
		cursor := ""
		for pages := 0; ; pages++ {
			page, next, err := s.Tickets.List(ctx, agent, ticket.Filter{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range page {
				got = append(got, tk.Number)
			}
			if next == "" {
				break
			}
			cursor = next
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		want := slices.Clone(numbers)
		slices.Reverse(want)
		if !slices.Equal(got, want) {
			t.Fatalf("pages = %v, want %v", got, want)
		}
		mine, _, _ := s.Tickets.List(ctx, agent, ticket.Filter{Assignee: []string{"me"}, Tag: []string{"vpn"}})
		if len(mine) != 3 {
			t.Errorf("assignee:me tag:vpn = %d, want 3", len(mine))
		}
		none, _, _ := s.Tickets.List(ctx, agent, ticket.Filter{Assignee: []string{"none"}})
		if len(none) != 6 {
			t.Errorf("assignee:none = %d, want 6", len(none))
		}
		byPrio, _, _ := s.Tickets.List(ctx, agent, ticket.Filter{Sort: "priority", Limit: 3})
		for _, tk := range byPrio {
			if tk.Priority != ticket.P1 {
				t.Errorf("priority sort starts with %s", tk.Priority)
			}
		}
		if _, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Sort: "subject"}); fieldMsg(err, "sort") == "" {
			t.Errorf("bad sort: %v", err)
		}
		if _, _, err := s.Tickets.List(ctx, agent, ticket.Filter{Cursor: "garbage"}); fieldMsg(err, "cursor") == "" {
			t.Errorf("bad cursor: %v", err)
		}
	})
}

func TestHistoryIsAppendOnly(t *testing.T) {
	// No statement of the ticket service may rewrite or delete history.
	s := apptest.Services(t, apptest.DB(t, db.SQLite))
	for _, name := range s.Tickets.Queries().Names() {
		q := strings.ToLower(s.Tickets.Queries().Get(name))
		if strings.Contains(q, "update ticket_events") || strings.Contains(q, "delete from ticket_events") {
			t.Errorf("query %s rewrites history: %s", name, q)
		}
	}
}

func TestConcurrentRepliesAndUpdates(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				var err error
				if i == 5 {
					prio := "p1"
					_, err = s.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Priority: &prio}, 0)
				} else {
					_, err = s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: fmt.Sprint("reply ", i)})
				}
				if err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		got, _ := s.Tickets.Get(ctx, agent, tk.Number)
		msgs, _ := s.Tickets.Messages(ctx, agent, tk.Number, 0, 50)
		// The version (ETag) moves for the two field changes — priority, and
		// the first public reply opening the ticket — not for each reply.
		if got.Priority != ticket.P1 || got.Status != ticket.StatusOpen || len(msgs) != 10 || got.Version != tk.Version+2 {
			t.Fatalf("priority %s status %s, %d messages, version %d (from %d)", got.Priority, got.Status, len(msgs), got.Version, tk.Version)
		}
	})
}

func TestReplyAndSetStatusIsAtomic(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.Ticket(t, s, agent)
		_, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Fixed it.", Status: ticket.StatusResolved})
		if fieldMsg(err, "resolution") == "" {
			t.Fatalf("resolve without resolution: %v", err)
		}
		if msgs, _ := s.Tickets.Messages(ctx, agent, tk.Number, 0, 50); len(msgs) != 1 {
			t.Fatalf("the refused reply was stored: %d messages", len(msgs))
		}
		m, err := s.Tickets.Reply(ctx, agent, tk.Number, ticket.NewReply{Body: "Fixed it.", Status: ticket.StatusResolved, Resolution: ticket.ResolutionFixed})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.Tickets.Get(ctx, agent, tk.Number)
		if got.Status != ticket.StatusResolved || got.Resolution != ticket.ResolutionFixed || got.FirstResponseAt == nil || got.ResolvedAt == nil || m.TicketNumber != tk.Number {
			t.Fatalf("after reply-and-resolve: %+v", got)
		}
		evs, _ := s.Tickets.Events(ctx, agent, tk.Number, 0, 50)
		var statusEvents []string
		for _, e := range evs {
			if e.Field == "status" {
				statusEvents = append(statusEvents, e.Old+"→"+e.New)
			}
		}
		if !slices.Equal(statusEvents, []string{"new→resolved"}) {
			t.Errorf("status history = %v, want one new→resolved", statusEvents)
		}
	})
}
