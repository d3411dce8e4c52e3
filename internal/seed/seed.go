// Package seed fills a database with a realistic help desk for measuring
// Docket at size (`docket seed`): teams, agents, organizations, requesters,
// categories, custom fields and tickets with conversations, tags and
// history. Everything goes through the same services as the workspace and
// the API (ticket.Service, user.Service), so the rows are exactly those
// real use writes — search index, history and events included; only the
// commits are grouped, a batch of tickets per transaction.
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// Options size the help desk.
type Options struct {
	Tickets       int
	Teams         int
	Agents        int
	Requesters    int
	Organizations int
	// Messages is the average number of messages per ticket, the first
	// included (3).
	Messages float64
	// Batch is how many tickets one transaction writes.
	Batch int
	Seed  uint64
	// Progress, when set, gets a progress line now and then.
	Progress io.Writer
}

// Defaults are issue 13's help desk.
var Defaults = Options{Tickets: 1_000_000, Teams: 20, Agents: 200, Requesters: 50_000, Organizations: 500, Messages: 3, Batch: 200, Seed: 1}

// Deps are the services the seeder writes through.
type Deps struct {
	DB      *db.DB
	Users   *user.Service
	Tickets *ticket.Service
}

// Seeder is the actor of the set-up writes (teams, users, fields).
var Seeder = user.System(event.ActorSystem, 0, "Seeder")

// Stats count what a run wrote.
type Stats struct {
	Tickets, Messages int
	Took              time.Duration
}

type world struct {
	r          *rand.Rand
	teams      []string
	teamAgents [][]*user.Actor
	agents     []*user.Actor
	orgs       []string
	categories []string
	requesters []string // emails
	reqActors  map[string]*user.Actor
	o          Options
	d          Deps
	text       *writer
	reqZipf    *rand.Zipf // requesters: a few write often
}

// Run writes the help desk. It refuses a database that has tickets.
func Run(ctx context.Context, d Deps, o Options) (Stats, error) {
	if o.Tickets < 0 || o.Teams < 1 || o.Agents < o.Teams || o.Requesters < 1 || o.Batch < 1 || o.Messages < 1 {
		return Stats{}, errors.New("seed: want tickets ≥ 0, teams ≥ 1, agents ≥ teams, requesters ≥ 1, batch ≥ 1, messages ≥ 1")
	}
	var n int
	if err := d.DB.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		return Stats{}, err
	}
	if n > 0 {
		return Stats{}, fmt.Errorf("seed: the database has %d tickets already; seed an empty one", n)
	}
	start := time.Now()
	w := &world{r: rand.New(rand.NewPCG(o.Seed, 7)), o: o, d: d, reqActors: map[string]*user.Actor{}}
	w.text = newWriter(w.r)
	if err := w.setUp(ctx); err != nil {
		return Stats{}, fmt.Errorf("seed: set up: %w", err)
	}
	var st Stats
	for done := 0; done < o.Tickets; {
		n := min(o.Batch, o.Tickets-done)
		var msgs int
		err := d.DB.WithTx(ctx, func(tx *db.Tx) error {
			tctx := db.WithinTx(ctx, tx)
			msgs = 0
			for range n {
				m, err := w.ticket(tctx)
				if err != nil {
					return err
				}
				msgs += m
			}
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("seed: tickets %d–%d: %w", done+1, done+n, err)
		}
		done += n
		st.Tickets, st.Messages = done, st.Messages+msgs
		if o.Progress != nil && (done%(o.Batch*25) == 0 || done == o.Tickets) {
			el := time.Since(start)
			rate := float64(done) / el.Seconds()
			left := time.Duration(float64(o.Tickets-done)/rate) * time.Second
			fmt.Fprintf(o.Progress, "\r%s %d/%d tickets, %.0f/s, %s left   ", bar(done, o.Tickets), done, o.Tickets, rate, left.Round(time.Second))
		}
	}
	if o.Progress != nil {
		fmt.Fprintln(o.Progress)
	}
	st.Took = time.Since(start)
	return st, nil
}

func bar(done, total int) string {
	const width = 30
	f := width
	if total > 0 {
		f = done * width / total
	}
	return "[" + strings.Repeat("#", f) + strings.Repeat(".", width-f) + "]"
}

// setUp makes the teams, agents, organizations, categories, custom fields
// and requesters.
func (w *world) setUp(ctx context.Context) error {
	u, t := w.d.Users, w.d.Tickets
	for i := range w.o.Organizations {
		name := fmt.Sprintf("%s %s", pick(w.r, orgWords), pick(w.r, orgKinds)) + fmt.Sprintf(" %d", i+1)
		if _, err := u.CreateOrganization(ctx, Seeder, user.OrganizationInput{Name: &name}); err != nil {
			return err
		}
		w.orgs = append(w.orgs, name)
	}
	w.teamAgents = make([][]*user.Actor, w.o.Teams)
	for i := range w.o.Agents {
		first, last := pick(w.r, firstNames), pick(w.r, lastNames)
		nu, err := u.Create(ctx, Seeder, user.NewUser{Email: fmt.Sprintf("agent%d@desk.example", i+1), Name: first + " " + last, Role: user.RoleAgent})
		if err != nil {
			return err
		}
		a, err := u.Actor(ctx, nu.ID)
		if err != nil {
			return err
		}
		w.agents = append(w.agents, a)
		w.teamAgents[i%w.o.Teams] = append(w.teamAgents[i%w.o.Teams], a)
	}
	for i := range w.o.Teams {
		name := teamNames[i%len(teamNames)]
		if i >= len(teamNames) {
			name += fmt.Sprintf(" %d", i/len(teamNames)+1)
		}
		var members []string
		for _, a := range w.teamAgents[i] {
			members = append(members, a.Email)
		}
		if _, err := u.CreateTeam(ctx, Seeder, user.TeamInput{Name: &name, Members: &members}); err != nil {
			return err
		}
		w.teams = append(w.teams, name)
	}
	for i := range w.teamAgents { // memberships now known to the actors
		for j, a := range w.teamAgents[i] {
			fresh, err := u.Actor(ctx, a.ID)
			if err != nil {
				return err
			}
			w.teamAgents[i][j] = fresh
		}
	}
	active := true
	for _, c := range categoryNames {
		name := c
		if _, err := t.CreateCategory(ctx, Seeder, ticket.CategoryInput{Name: &name, Active: &active}); err != nil {
			return err
		}
		w.categories = append(w.categories, c)
	}
	for _, f := range []ticket.FieldDefInput{
		{Key: ptr("asset_tag"), Label: ptr("Asset tag"), Type: ptr(ticket.FieldText), RequesterVisible: ptr(true)},
		{Key: ptr("location"), Label: ptr("Location"), Type: ptr(ticket.FieldSelect), Options: &[]string{"HQ", "Branch", "Remote", "Warehouse"}},
		{Key: ptr("users_affected"), Label: ptr("Users affected"), Type: ptr(ticket.FieldNumber)},
	} {
		if _, err := t.CreateFieldDef(ctx, Seeder, f); err != nil {
			return err
		}
	}
	// Requesters: created in batches like the tickets, each in an
	// organization most of the time.
	for done := 0; done < w.o.Requesters; {
		n := min(1000, w.o.Requesters-done)
		err := w.d.DB.WithTx(ctx, func(tx *db.Tx) error {
			tctx := db.WithinTx(ctx, tx)
			for i := done; i < done+n; i++ {
				org := ""
				if len(w.orgs) > 0 && w.r.IntN(10) < 8 {
					org = w.orgs[w.r.IntN(len(w.orgs))]
				}
				email := fmt.Sprintf("user%d@customer.example", i+1)
				if _, err := u.Create(tctx, Seeder, user.NewUser{Email: email, Name: pick(w.r, firstNames) + " " + pick(w.r, lastNames),
					Role: user.RoleRequester, Organization: org}); err != nil {
					return err
				}
				w.requesters = append(w.requesters, email)
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
	}
	w.reqZipf = rand.NewZipf(w.r, 1.2, 50, uint64(len(w.requesters)-1))
	return nil
}

func ptr[T any](v T) *T { return &v }

func pick(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }

var types = []ticket.Type{ticket.Incident, ticket.Incident, ticket.Incident, ticket.Request, ticket.Request, ticket.Problem, ticket.Change}

var channels = []ticket.Channel{ticket.ChannelEmail, ticket.ChannelEmail, ticket.ChannelEmail, ticket.ChannelPortal, ticket.ChannelPhone, ticket.ChannelAPI}

var resolutions = []ticket.Resolution{ticket.ResolutionFixed, ticket.ResolutionFixed, ticket.ResolutionWorkaround, ticket.ResolutionKnownIssue, ticket.ResolutionDuplicate}

// requester returns a requester's actor (they reply on their tickets).
func (w *world) requester(ctx context.Context, email string) (*user.Actor, error) {
	if a, ok := w.reqActors[email]; ok {
		return a, nil
	}
	u, err := w.d.Users.ByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	a, err := w.d.Users.Actor(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if len(w.reqActors) < 100_000 {
		w.reqActors[email] = a
	}
	return a, nil
}

// ticket writes one ticket with its conversation and returns how many
// messages it has.
func (w *world) ticket(ctx context.Context) (int, error) {
	r := w.r
	team := r.IntN(len(w.teams))
	agents := w.teamAgents[team]
	agent := agents[r.IntN(len(agents))]
	email := w.requesters[w.reqZipf.Uint64()]
	in := ticket.NewTicket{Subject: w.text.subject(), Body: w.text.body(20 + r.IntN(80)), Requester: &ticket.Contact{Email: email},
		Type: types[r.IntN(len(types))], Priority: fmt.Sprintf("p%d", 1+r.IntN(4)), Category: pick(r, w.categories),
		Team: w.teams[team], Channel: channels[r.IntN(len(channels))], Tags: w.text.tags(),
		CustomFields: map[string]any{"location": pick(r, []string{"HQ", "Branch", "Remote", "Warehouse"})}}
	if r.IntN(10) < 7 {
		in.Assignee = agent.Email
	}
	if r.IntN(3) == 0 {
		in.CustomFields["asset_tag"] = fmt.Sprintf("LT-%05d", r.IntN(100000))
		in.CustomFields["users_affected"] = float64(1 + r.IntN(50))
	}
	t, err := w.d.Tickets.Create(ctx, agent, in)
	if err != nil {
		return 0, err
	}
	// More messages: on average o.Messages in all, alternating agent and
	// requester, with an internal note now and then.
	extra := 0
	for float64(extra+1) < 2*w.o.Messages-1 && r.Float64() < (w.o.Messages-1)/w.o.Messages {
		extra++
	}
	req, err := w.requester(ctx, email)
	if err != nil {
		return 0, err
	}
	for i := range extra {
		last := i == extra-1
		var status ticket.Status
		var res ticket.Resolution
		if last {
			switch x := r.IntN(10); {
			case x < 6:
				status, res = ticket.StatusResolved, resolutions[r.IntN(len(resolutions))]
			case x < 7:
				status = ticket.StatusPending
			}
		}
		switch {
		case i%2 == 1 && status == "":
			_, err = w.d.Tickets.Reply(ctx, req, t.Number, ticket.NewReply{Body: w.text.body(10 + r.IntN(40)), Channel: ticket.ChannelEmail})
		case r.IntN(6) == 0 && status == "":
			_, err = w.d.Tickets.Reply(ctx, agent, t.Number, ticket.NewReply{Body: w.text.body(8 + r.IntN(20)), Internal: true})
		default:
			_, err = w.d.Tickets.Reply(ctx, agent, t.Number, ticket.NewReply{Body: w.text.body(15 + r.IntN(50)), Status: status, Resolution: res})
		}
		if err != nil {
			if errors.Is(err, fault.ErrInvalid) {
				return 0, fmt.Errorf("ticket %d message %d: %w", t.Number, i+2, err)
			}
			return 0, err
		}
	}
	return 1 + extra, nil
}
