package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
)

// throughService writes the planned tickets through ticket.Service, Batch
// tickets per transaction, the clock set to each write's time.
func (w *world) throughService(ctx context.Context) (Stats, error) {
	var st Stats
	bar := newProgress(w.o)
	for done := 0; done < w.o.Tickets; {
		n := min(w.o.Batch, w.o.Tickets-done)
		msgs := 0
		err := w.d.DB.WithTx(ctx, func(tx *db.Tx) error {
			tctx := db.WithinTx(ctx, tx)
			msgs = 0
			for i := done; i < done+n; i++ {
				p := w.plan(i)
				db.SetNow(p.At)
				t, err := w.d.Tickets.Create(tctx, p.Actor, p.Ticket)
				if err != nil {
					return err
				}
				for k, r := range p.Replies {
					db.SetNow(r.At)
					if _, err := w.d.Tickets.Reply(tctx, r.Actor, t.Number, r.Reply); err != nil {
						return fmt.Errorf("ticket %d message %d: %w", t.Number, k+2, err)
					}
				}
				msgs += 1 + len(p.Replies)
			}
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("seed: tickets %d–%d: %w", done+1, done+n, err)
		}
		done += n
		st.Tickets, st.Messages = done, st.Messages+msgs
		bar.update(done)
	}
	bar.finish()
	return st, nil
}

// deferred are the tables whose secondary indexes the bulk path builds
// after the tickets rather than row by row (see db.DeferIndexes): those
// only it writes while the writer reads them by primary key alone.
// search_ticket and search_words are PostgreSQL's (their GIN indexes of
// each ticket's tsvector and words; SQLite's per-ticket documents are
// FTS5's own).
var deferred = []string{"tickets", "messages", "ticket_events", "domain_events", "ticket_tags", "ticket_moments", "search_ticket", "search_words"}

// chunk is how many tickets a worker prepares at a time.
const chunk = 64

type prepared struct {
	ps  []*ticket.Prepared
	err error
}

// bulk writes the planned tickets through ticket.Importer: Workers plan
// and prepare chunks of tickets in parallel, each worker taking every
// Workers-th chunk into a small queue of its own, and one writer takes the
// chunks in order and inserts them, Batch tickets per transaction.
func (w *world) bulk(ctx context.Context) (st Stats, err error) {
	imp, err := w.d.Tickets.NewImporter(ctx)
	if err != nil {
		return st, err
	}
	imp.Backdate = true
	if w.d.DB.Dialect == db.SQLite {
		// A million tickets' indexes outgrow SQLite's default page cache
		// (2 MB) many times over: give the writer connection 256 MB.
		if _, err := w.d.DB.W.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
			return st, err
		}
	}
	// The tables start empty (Run refuses a desk with tickets): their
	// secondary indexes are built once at the end, not row by row.
	if _, err := w.d.DB.DeferIndexes(ctx, deferred...); err != nil {
		return st, err
	}
	defer func() {
		if w.o.Progress != nil {
			line := "building indexes…"
			if w.o.Terminal {
				line = "\r\x1b[K" + line // over a bar an error or Ctrl-C left unfinished
			}
			fmt.Fprintln(w.o.Progress, line)
		}
		// Even when the run was cancelled: a load cut short still leaves
		// a desk with every index (and Migrate builds what a killed run
		// left unbuilt).
		if _, rerr := w.d.DB.RestoreIndexes(context.WithoutCancel(ctx)); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := (w.o.Tickets + chunk - 1) / chunk
	// Each queue holds its share of a whole batch and more, so the workers
	// prepare the next batch while the writer writes this one (with four
	// chunks each, the writer waited for most of every batch: 7 of its 39
	// seconds at 100,000 tickets).
	depth := w.o.Batch/(chunk*w.o.Workers) + 4
	queues := make([]chan prepared, w.o.Workers)
	for k := range queues {
		queues[k] = make(chan prepared, depth)
		go func(k int) {
			defer close(queues[k])
			for c := k; c < chunks; c += w.o.Workers {
				var out prepared
				for i := c * chunk; i < min((c+1)*chunk, w.o.Tickets); i++ {
					p, err := imp.Prepare(ctx, w.plan(i))
					if err != nil {
						out.err = fmt.Errorf("seed: ticket %d: %w", i+1, err)
						break
					}
					out.ps = append(out.ps, p)
				}
				select {
				case queues[k] <- out:
				case <-ctx.Done():
					return
				}
				if out.err != nil {
					return
				}
			}
		}(k)
	}
	bar := newProgress(w.o)
	c := 0
	var pending []*ticket.Prepared
	next := func() (*ticket.Prepared, error) {
		if len(pending) == 0 {
			out, ok := <-queues[c%w.o.Workers]
			c++
			if !ok {
				return nil, errors.New("seed: a worker stopped early")
			}
			if out.err != nil {
				return nil, out.err
			}
			pending = out.ps
		}
		p := pending[0]
		pending = pending[1:]
		return p, nil
	}
	// The writer's statements run under a context that is never done:
	// under one that can be, database/sql and the SQLite driver start a
	// watching goroutine for every statement. It stops between batches.
	wctx := context.WithoutCancel(ctx)
	for st.Tickets < w.o.Tickets {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		n := min(w.o.Batch, w.o.Tickets-st.Tickets)
		msgs := 0
		// A transaction of its own: its thousands of statements outside the
		// savepoint a grouped write runs in (see db.WithTxAlone).
		err := w.d.DB.WithTxAlone(wctx, func(tx *db.Tx) error {
			msgs = 0
			ps := make([]*ticket.Prepared, 0, n)
			for range n {
				p, err := next()
				if err != nil {
					return err
				}
				ps = append(ps, p)
				msgs += p.Messages()
			}
			return imp.Write(wctx, tx, ps)
		})
		if err != nil {
			return st, fmt.Errorf("seed: tickets %d–%d: %w", st.Tickets+1, st.Tickets+n, err)
		}
		st.Tickets += n
		st.Messages += msgs
		bar.update(st.Tickets)
	}
	bar.finish()
	return st, nil
}
