package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/docket/docket/internal/config"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/seed"
)

// seedCmd fills an empty database with a realistic help desk for
// measuring (docket seed).
func seedCmd(ctx context.Context, env Env, args []string) (err error) {
	fs := newFlagSet("seed")
	cfg, validate := config.Bind(fs, config.ScopeDB, env.Getenv)
	d := seed.Defaults
	fs.IntVar(&d.Tickets, "tickets", d.Tickets, "tickets to write")
	fs.IntVar(&d.Teams, "teams", d.Teams, "teams")
	fs.IntVar(&d.Agents, "agents", d.Agents, "agents, spread over the teams")
	fs.IntVar(&d.Requesters, "requesters", d.Requesters, "requesters (a few write often, most seldom)")
	fs.IntVar(&d.Organizations, "organizations", d.Organizations, "organizations the requesters belong to")
	fs.Float64Var(&d.Messages, "messages", d.Messages, "average messages per ticket, the first included")
	fs.IntVar(&d.Batch, "batch", d.Batch, "tickets per transaction")
	fs.IntVar(&d.Workers, "workers", seed.DefaultWorkers(), "goroutines that generate and prepare tickets for the one writer: one per CPU but the writer's")
	fs.BoolVar(&d.ThroughService, "through-service", false, "write each ticket through ticket.Service (the reference path; about 50 times slower)")
	fs.Uint64Var(&d.Seed, "seed", d.Seed, "seed of the random help desk (the same seed writes the same one)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	if err := parse(env, fs, args, validate); err != nil {
		return err
	}
	if !*quiet {
		d.Progress, d.Terminal = env.Stderr, isTerminal(env.Stderr)
	}
	// On SQLite the load writes a new database through a rollback journal
	// without fsync (db.Options.BulkLoad), and the file returns to the
	// write-ahead log when it is opened as usual at the end.
	bulk := cfg.DatabaseURL == ""
	s, err := openWith(ctx, cfg, newLogger(env.Stderr, "warn", "text"), bulk)
	if err != nil {
		return err
	}
	defer func() {
		err = errors.Join(err, s.DB.Close())
		if bulk {
			err = errors.Join(err, walAgain(context.WithoutCancel(ctx), cfg))
		}
	}()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if os.Getenv("GOGC") == "" {
		// The seeder's garbage is short-lived (texts, rows) and its live
		// heap small beside SQLite's page cache: collecting at 5× the live
		// heap rather than 2× took the CPU of 100,000 tickets from 85 s
		// to 66 s (peak RSS 0.7 → 1.0 GB). GOGC still decides when set.
		debug.SetGCPercent(400)
	}
	st, err := seed.Run(ctx, seed.Deps{DB: s.DB, Users: s.Users, Tickets: s.Tickets}, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "seeded %d tickets with %d messages in %s (%.0f tickets/s)\n", st.Tickets, st.Messages,
		st.Took.Round(100_000_000), float64(st.Tickets)/st.Took.Seconds())
	return nil
}

// walAgain opens the SQLite database of cfg as every command does, which
// returns it from a bulk load's rollback journal to the write-ahead log and
// syncs the file (db.Options.BulkLoad).
func walAgain(ctx context.Context, cfg *config.Config) error {
	d, err := db.Open(ctx, db.Options{DataDir: cfg.Data, Synchronous: cfg.SQLiteSync})
	if err != nil {
		return err
	}
	return d.Close()
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress bar redraws one line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called (go tool pprof reads it).
// writeHeapProfile writes the heap as it is now, after a collection so
// that what is live is exact; a failure is reported, not fatal.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err == nil {
		runtime.GC()
		err = errors.Join(pprof.WriteHeapProfile(f), f.Close())
	}
	if err != nil {
		fmt.Fprintf(stderr, "memprofile: %v\n", err)
	}
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
