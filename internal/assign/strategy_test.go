package assign_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Round-robin takes the members in turn, passes by those at their cap,
// and a ticket nobody may take waits until a ticket of someone's is
// resolved; each assignment's reason is in the history.
func TestRoundRobinHonoursCaps(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Service Desk", 3, assign.RoundRobin, 2)
		var nums []int64
		for range 7 {
			nums = append(nums, k.ticket(t).Number)
			settle(t, s)
		}
		want := []string{k.agents[0].Email, k.agents[1].Email, k.agents[2].Email, k.agents[0].Email, k.agents[1].Email, k.agents[2].Email, ""}
		for i, n := range nums {
			if got := assignee(t, s, n); got != want[i] {
				t.Errorf("ticket %d (#%d) assigned to %q, want %q", i, n, got, want[i])
			}
		}
		r := reasons(t, s, k.admin, nums[0])
		if len(r) != 1 || r[0] != "round-robin in Service Desk; Agent A was next and under their cap of 2" {
			t.Errorf("reason = %q", r)
		}
		if r := reasons(t, s, k.admin, nums[6]); len(r) != 0 {
			t.Errorf("the waiting ticket has reasons %q", r)
		}
		// Agent B resolves one: the waiting ticket is theirs.
		resolve(t, s, k.agents[1], nums[1])
		settle(t, s)
		if got := assignee(t, s, nums[6]); got != k.agents[1].Email {
			t.Errorf("waiting ticket assigned to %q after Agent B resolved one, want them", got)
		}
		// Handing a ticket on frees its old assignee too.
		k.set(t, assign.RoundRobin, 2)
		extra := k.ticket(t).Number
		settle(t, s)
		if got := assignee(t, s, extra); got != "" {
			t.Fatalf("everyone is at the cap, yet #%d went to %q", extra, got)
		}
		other := apptest.User(t, s, user.RoleAgent, "")
		email := other.Email
		if _, err := s.Tickets.Update(ctx, k.admin, nums[2], ticket.Patch{Assignee: &email}, 0); err != nil {
			t.Fatal(err)
		}
		settle(t, s)
		if got := assignee(t, s, extra); got != k.agents[2].Email {
			t.Errorf("after Agent C's ticket was handed on, #%d went to %q, want Agent C", extra, got)
		}
	})
}

// Least loaded takes the member with the fewest active tickets, counting
// tickets of every team, and not resolved ones.
func TestLeastLoaded(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Network", 3, assign.Off, 0)
		give := func(a *user.Actor, n int) {
			for range n {
				apptest.Ticket(t, s, k.admin, func(in *ticket.NewTicket) { in.Assignee = a.Email })
			}
		}
		give(k.agents[0], 2)
		give(k.agents[1], 1)
		give(k.agents[2], 3)
		done := apptest.Ticket(t, s, k.admin, func(in *ticket.NewTicket) { in.Assignee = k.agents[1].Email })
		resolve(t, s, k.admin, done.Number)
		k.set(t, assign.LeastLoaded, 0)
		n := k.ticket(t).Number
		settle(t, s)
		if got := assignee(t, s, n); got != k.agents[1].Email {
			t.Fatalf("assigned to %q, want Agent B (1 active)", got)
		}
		if r := reasons(t, s, k.admin, n); len(r) != 1 || r[0] != "least loaded in Network; Agent B had the fewest active tickets (1) and has no cap" {
			t.Errorf("reason = %q", r)
		}
	})
}

// By skill: the member whose skills match most of the ticket's category
// and tags; nobody matching at all falls back to the least loaded; a
// matching member who is away makes the ticket wait for them.
func TestSkill(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Field", 3, assign.Skill, 0)
		skills := map[int][]string{0: {"VPN"}, 1: {"printer", "network"}, 2: {"network"}}
		for i, sk := range skills {
			if _, err := s.Assign.SetSkills(ctx, k.admin, k.agents[i].ID, sk); err != nil {
				t.Fatal(err)
			}
		}
		tagged := func(tags ...string) func(*ticket.NewTicket) {
			return func(in *ticket.NewTicket) { in.Tags = tags }
		}
		both := k.ticket(t, tagged("network", "printer")).Number
		vpn := k.ticket(t, tagged("vpn")).Number
		settle(t, s)
		if got := assignee(t, s, both); got != k.agents[1].Email {
			t.Errorf("network+printer went to %q, want Agent B", got)
		}
		if r := reasons(t, s, k.admin, both); len(r) != 1 || !strings.Contains(r[0], "Agent B matched network, printer") {
			t.Errorf("reason = %q", r)
		}
		if got := assignee(t, s, vpn); got != k.agents[0].Email {
			t.Errorf("vpn went to %q, want Agent A (skills match any case)", got)
		}
		none := k.ticket(t, tagged("coffee")).Number
		settle(t, s)
		if got := assignee(t, s, none); got != k.agents[2].Email {
			t.Errorf("coffee went to %q, want the least loaded, Agent C", got)
		}
		if r := reasons(t, s, k.admin, none); len(r) != 1 || !strings.Contains(r[0], "nobody has a skill matching coffee") {
			t.Errorf("reason = %q", r)
		}
		setAvailability(t, s, k.agents[1], assign.Away)
		printer := k.ticket(t, tagged("printer")).Number
		settle(t, s)
		if got := assignee(t, s, printer); got != "" {
			t.Fatalf("printer went to %q while the only printer person is away", got)
		}
		setAvailability(t, s, k.agents[1], assign.Available)
		settle(t, s)
		if got := assignee(t, s, printer); got != k.agents[1].Email {
			t.Errorf("printer went to %q once Agent B was back, want them", got)
		}
	})
}

// Away and off members are passed by; with everyone away tickets wait, and
// the first to come back takes them, oldest first, up to their cap.
func TestAvailabilityAndWaitingQueue(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Service Desk", 2, assign.RoundRobin, 2)
		setAvailability(t, s, k.agents[0], assign.Away)
		setAvailability(t, s, k.agents[1], assign.Unavailable)
		var nums []int64
		for range 3 {
			nums = append(nums, k.ticket(t).Number)
		}
		settle(t, s)
		for _, n := range nums {
			if got := assignee(t, s, n); got != "" {
				t.Fatalf("#%d went to %q while everyone is away or off", n, got)
			}
		}
		setAvailability(t, s, k.agents[1], assign.Available)
		settle(t, s)
		got := []string{assignee(t, s, nums[0]), assignee(t, s, nums[1]), assignee(t, s, nums[2])}
		if want := []string{k.agents[1].Email, k.agents[1].Email, ""}; !slices.Equal(got, want) {
			t.Errorf("after Agent B came back: %q, want the two oldest theirs (cap 2) and the newest waiting", got)
		}
		// Raising the cap lets the last one go too.
		k.set(t, assign.RoundRobin, 3)
		settle(t, s)
		if got := assignee(t, s, nums[2]); got != k.agents[1].Email {
			t.Errorf("after raising the cap the newest went to %q", got)
		}
	})
}

// A member's own cap replaces the team's.
func TestMemberCap(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Desk", 1, assign.RoundRobin, 5)
		one := 1
		if _, err := s.Assign.Update(ctx, k.admin, k.team.ID, assign.Input{MemberCaps: []assign.MemberCap{{Email: k.agents[0].Email, Cap: &one}}}); err != nil {
			t.Fatal(err)
		}
		a, b := k.ticket(t).Number, k.ticket(t).Number
		settle(t, s)
		if assignee(t, s, a) != k.agents[0].Email || assignee(t, s, b) != "" {
			t.Errorf("with an own cap of 1: %q, %q", assignee(t, s, a), assignee(t, s, b))
		}
		st, err := s.Assign.Settings(ctx, k.admin, k.team.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m := st.Members[0]; m.Cap != 1 || m.OwnCap == nil || m.Load != 1 {
			t.Errorf("member = %+v", m)
		}
	})
}

// A ticket created without a team is left alone (its create's event is
// skipped unread) and assigned once a write moves it to a team.
func TestTicketMovedToATeamIsAssigned(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		k := newDesk(t, s, "Service Desk", 1, assign.RoundRobin, 5)
		n := apptest.Ticket(t, s, k.admin).Number
		settle(t, s)
		if got, r := assignee(t, s, n), reasons(t, s, k.admin, n); got != "" || len(r) != 0 {
			t.Fatalf("a ticket without a team went to %q (reasons %q)", got, r)
		}
		team := k.team.Name
		if _, err := s.Tickets.Update(ctx, k.admin, n, ticket.Patch{Team: &team}, 0); err != nil {
			t.Fatal(err)
		}
		settle(t, s)
		if got := assignee(t, s, n); got != k.agents[0].Email {
			t.Fatalf("moved to the team, it went to %q, want %q", got, k.agents[0].Email)
		}
	})
}
