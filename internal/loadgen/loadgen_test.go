package loadgen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/loadgen"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestRunDrivesEveryOperation: a short run against a real server makes
// every operation of the mix succeed, and the hello-world baseline runs
// with the same client.
func TestRunDrivesEveryOperation(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	mix, err := loadgen.ParseMix("create=1,reply=1,get=1,list=1,search=1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: e.URL, Token: apptest.Token(t, e.Services, e.Admin),
		Concurrency: 4, Duration: 1500 * time.Millisecond, Mix: mix, Baseline: 300 * time.Millisecond,
		SearchSorts: []string{"-updated_at", "relevance", "-created_at"}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range res.Ops {
		if s.Count == 0 || s.Errors != 0 || s.P50 <= 0 || s.P99 < s.P50 {
			t.Fatalf("%s: %+v", s.Op, s)
		}
		seen[s.Op] = true
	}
	for _, op := range loadgen.Ops {
		if !seen[op] {
			t.Fatalf("%s never ran: %+v", op, res.Ops)
		}
	}
	if res.Hello == nil || res.Hello.Count == 0 || res.Share <= 0 {
		t.Fatalf("baseline: %+v", res.Hello)
	}
	var text bytes.Buffer
	res.Text(&text)
	if !strings.Contains(text.String(), "hello-world ceiling") || !strings.Contains(text.String(), "search") {
		t.Fatalf("report:\n%s", text.String())
	}
	if b, err := json.Marshal(res); err != nil || !strings.Contains(string(b), `"p99_ms":`) {
		t.Fatalf("json: %s %v", b, err)
	}
}

// TestSearchSortsReachTheAPI: each search asks for one of SearchSorts (an
// order the API does not know fails every one of them).
func TestSearchSortsReachTheAPI(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: e.URL, Token: apptest.Token(t, e.Services, e.Admin),
		Concurrency: 2, Duration: 300 * time.Millisecond, Mix: map[string]int{loadgen.OpSearch: 1}, SearchSorts: []string{"sideways"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ops) != 1 || res.Ops[0].Count != 0 || res.Ops[0].Errors == 0 || res.Ops[0].Statuses["422"] != res.Ops[0].Errors {
		t.Fatalf("searches sorted sideways: %+v; want every one refused", *res.Ops[0])
	}
}

// TestRunRefusesABadToken: a token that cannot read tickets stops the run
// before it starts, saying why.
func TestRunRefusesABadToken(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	_, err := loadgen.Run(context.Background(), loadgen.Options{URL: e.URL, Token: "nope", Concurrency: 1, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("bad token: %v", err)
	}
	if _, err := loadgen.ParseMix("create=1,delete=2"); err == nil {
		t.Fatal("an unknown operation was accepted")
	}
}

// TestListReadsEveryQueueAndOrder: the list operation reads every built-in
// queue (the first team's as "My teams") in every order the queue's sort
// menu offers, deeper than the first page, and reports each.
func TestListReadsEveryQueueAndOrder(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	name := "Service Desk"
	if _, err := e.Users.CreateTeam(context.Background(), e.Admin, user.TeamInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	for range 120 {
		apptest.Ticket(t, e.Services, e.Admin)
	}
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: e.URL, Token: apptest.Token(t, e.Services, e.Admin),
		Concurrency: 4, Duration: 3 * time.Second, Mix: map[string]int{loadgen.OpList: 1}})
	if err != nil {
		t.Fatal(err)
	}
	queues, orders, deepest := map[string]bool{}, map[string]bool{}, 0
	for _, l := range res.Lists {
		if l.Errors != 0 {
			t.Fatalf("%s: %+v", l.Op, l.Stats)
		}
		q, o, _ := strings.Cut(l.Op, " ")
		queues[q], orders[o] = true, true
		deepest = max(deepest, l.DeepestPage)
	}
	if len(queues) != 8 || len(orders) != 7 {
		t.Errorf("read %d queues %v and %d orders %v, want 8 and 7", len(queues), queues, len(orders), orders)
	}
	if deepest < 3 {
		t.Errorf("deepest page read: %d (120 open tickets make three pages)", deepest)
	}
	var text bytes.Buffer
	res.Text(&text)
	if !strings.Contains(text.String(), "built-in queues and orders read") {
		t.Errorf("report:\n%s", text.String())
	}
}

// TestRepliesGoToActiveTickets: the replies go to the desk's active
// tickets, past the first page of the list, not to the 200 tickets updated
// last. Here those are closed, and a reply to each was refused (409): the
// run's replies all failed before.
func TestRepliesGoToActiveTickets(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	var active []int64
	for range 30 {
		active = append(active, apptest.Ticket(t, e.Services, e.Admin).Number)
	}
	for range 210 {
		apptest.Ticket(t, e.Services, e.Admin, func(in *ticket.NewTicket) {
			in.Status, in.Resolution = ticket.StatusClosed, ticket.ResolutionFixed
		})
	}
	mix, err := loadgen.ParseMix("reply=1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadgen.Run(context.Background(), loadgen.Options{URL: e.URL, Token: apptest.Token(t, e.Services, e.Admin),
		Concurrency: 4, Duration: time.Second, Mix: mix})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Ops) != 1 {
		t.Fatalf("%d operations, want the replies alone", len(res.Ops))
	}
	if s := res.Ops[0]; s.Count == 0 || s.Errors != 0 {
		t.Fatalf("replies: %+v", *s)
	}
	var replied int
	for _, n := range active {
		msgs, err := e.Services.Tickets.Messages(context.Background(), e.Admin, n, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) > 1 {
			replied++
		}
	}
	if replied < len(active)/2 {
		t.Errorf("%d of the %d active tickets got a reply in %d replies", replied, len(active), res.Ops[0].Count)
	}
}
