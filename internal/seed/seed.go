// Package seed fills a database with a realistic help desk for measuring
// Docket at size (`docket seed`): teams, agents, organizations, requesters,
// categories, custom fields and tickets with conversations, tags and
// history, spread over the year before the run.
//
// The set-up goes through the services (user.Service, ticket.Service). The
// tickets go through ticket.Importer, which writes exactly the rows
// ticket.Service's Create and Reply write for the same input at the same
// times (search index, history, events included; the seeder's test
// compares every table): texts are generated and rows computed in parallel
// workers, one writer inserts them in large transactions. ThroughService
// writes the same tickets through Create and Reply instead, a batch per
// transaction: the reference, and about fifty times slower.
package seed

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"runtime"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
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
	// ThroughService writes the tickets through ticket.Service, one Create
	// and Reply call at a time, instead of through ticket.Importer.
	ThroughService bool
	// Workers generate and prepare tickets for the writer (default:
	// DefaultWorkers).
	Workers int
	// Now is when the seeded history ends (zero: the time of the run): the
	// tickets are spread over the year before, their replies over the
	// three days after each.
	Now time.Time
	// UIDs, when set, is where the tickets' and messages' uids come from
	// (a test gives two runs the same); otherwise they are random.
	UIDs io.Reader
	// Progress, when set, gets a progress bar; Terminal redraws it on one
	// line, otherwise a line is written every ten seconds.
	Progress io.Writer
	Terminal bool
}

// Defaults are issue 13's help desk.
var Defaults = Options{Tickets: 1_000_000, Teams: 20, Agents: 200, Requesters: 50_000, Organizations: 500, Messages: 3, Batch: 2000, Seed: 1}

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

// span is how long before Now the first ticket is opened; replies follow
// within replyWindow, which ends at Now for the last ticket.
const (
	span        = 365 * 24 * time.Hour
	replyWindow = 3 * 24 * time.Hour
	// settleAfter: a conversation that ended longer ago than this is over
	// (the built-in time rule closes resolved tickets after 7 days).
	settleAfter = 14 * 24 * time.Hour
)

type world struct {
	r          *mrand.Rand // the set-up's
	teams      []string
	teamAgents [][]*user.Actor
	orgs       []string
	orgIDs     []int64
	categories []string
	requesters []*user.Actor
	o          Options
	d          Deps
	start      int64 // µs: the first ticket's time
	step       int64 // µs between tickets
	// closeAfter is how long after a ticket is resolved the built-in
	// time rule closes it (µs; 0: it does not).
	closeAfter int64
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
	if o.Workers < 1 {
		o.Workers = DefaultWorkers()
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.UIDs == nil {
		var key [32]byte
		if _, err := rand.Read(key[:]); err != nil {
			return Stats{}, err
		}
		o.UIDs = mrand.NewChaCha8(key)
	}
	began := time.Now()
	w := &world{r: mrand.New(mrand.NewPCG(o.Seed, 7)), o: o, d: d}
	end := o.Now.UnixMicro() - replyWindow.Microseconds()
	w.start = end - span.Microseconds()
	if o.Tickets > 1 {
		w.step = span.Microseconds() / int64(o.Tickets-1)
	}
	// The services stamp the seeded history's times, not the wall clock's.
	defer db.SetNow(0)
	db.SetNow(w.start - time.Hour.Microseconds())
	if err := w.setUp(ctx); err != nil {
		return Stats{}, fmt.Errorf("seed: set up: %w", err)
	}
	ctx = ticket.WithUIDs(ctx, o.UIDs)
	var st Stats
	var err error
	if o.ThroughService {
		st, err = w.throughService(ctx)
	} else {
		st, err = w.bulk(ctx)
	}
	if err == nil && d.DB.Dialect == db.Postgres {
		// The events get their positions in the stream now, as a running
		// server's sequencer would number them a thousand at a time: a
		// server started after the seed then starts its consumers after
		// them, as on SQLite, instead of notifying and running triggers
		// for a year of seeded history (3.7 million events at a million
		// tickets; 186,993 notifications in the first ten minutes).
		if o.Progress != nil {
			fmt.Fprintln(o.Progress, "numbering the events…")
		}
		err = sequenceEvents(ctx, d.DB)
	}
	if err == nil && d.DB.Dialect == db.SQLite {
		// The full-text index as the server's search.merge job keeps it
		// (a few segments, not the dozens a load leaves), so that a seeded
		// desk searches as a served one does. The tickets are all written
		// by now: a merge cut short is the job's to finish, not a failed
		// seed (which could not be run again on a desk with tickets).
		if o.Progress != nil {
			fmt.Fprintln(o.Progress, "merging the search index…")
		}
		if _, _, merr := d.Tickets.MergeIndex(ctx, 0); merr != nil && o.Progress != nil {
			fmt.Fprintf(o.Progress, "the search index is not merged yet (%v): the server's search.merge job will merge it\n", merr)
		}
	}
	st.Took = time.Since(began)
	return st, err
}

// sequenceEvents numbers every event written so far (PostgreSQL).
func sequenceEvents(ctx context.Context, d *db.DB) error {
	l, err := event.NewLog(d)
	if err != nil {
		return err
	}
	if _, err := l.SequenceAll(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func pick(r *mrand.Rand, from []string) string { return from[r.IntN(len(from))] }

// DefaultWorkers is how many workers prepare tickets when not told: one
// per CPU but the writer's, at least one. The writer is the load's
// bottleneck and needs a core of its own: with as many workers as CPUs,
// on two cores, the Go scheduler shared the writer's core with a worker
// (200,000 tickets: 92 s with two workers, 80 s with one; BENCHMARKS.md).
func DefaultWorkers() int {
	return max(1, runtime.NumCPU()-1)
}
