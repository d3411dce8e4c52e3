package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docket/docket/internal/loadgen"
	"github.com/docket/docket/internal/ticket"
)

// benchCmd drives a running Docket's API with a mix of operations and
// prints throughput and latency per operation, next to a hello-world
// handler driven by the same client (docket bench).
func benchCmd(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet("bench")
	base := fs.String("url", "http://127.0.0.1:8080", "Docket's base URL")
	token := fs.String("token", "", "an agent's or admin's API token (or DOCKET_BENCH_TOKEN)")
	conc := fs.Int("concurrency", 8, "clients, each sending its next request when the last one was answered")
	dur := fs.Duration("duration", 30*time.Second, "how long the mix runs")
	mix := fs.String("mix", "create=20,reply=20,get=20,list=30,search=10", "operations and their weights")
	words := fs.String("words", "", "search terms, comma-separated (default: help desk words)")
	sorts := fs.String("search-sorts", "", "orders a search picks from at random, comma-separated, e.g. -updated_at,relevance (default: the API's)")
	hello := fs.Duration("baseline", 5*time.Second, "how long to drive the built-in hello-world handler (0: not)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	seed := fs.Uint64("seed", 1, "seed of the choice of operations and texts")
	if err := parse(env, fs, args, func() error { return nil }); err != nil {
		return err
	}
	if *token == "" {
		*token = env.Getenv("DOCKET_BENCH_TOKEN")
	}
	if *token == "" {
		return usageError{errors.New("docket bench: --token is required (an agent's API token; docket token create)")}
	}
	m, err := loadgen.ParseMix(*mix)
	if err != nil {
		return usageError{fmt.Errorf("docket bench: --%w", err)}
	}
	searchSorts := commaList(*sorts)
	for _, s := range searchSorts {
		if !ticket.ValidSort(s) {
			return usageError{fmt.Errorf("docket bench: --search-sorts: %q is not an order of the API's sort "+
				"(updated_at, created_at, priority, due_at, number, optionally prefixed with -, or relevance)", s)}
		}
	}
	res, err := loadgen.Run(ctx, loadgen.Options{URL: *base, Token: *token, Concurrency: *conc, Duration: *dur, Mix: m,
		Words: commaList(*words), SearchSorts: searchSorts, Baseline: *hello, Seed: *seed})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	res.Text(env.Stdout)
	return nil
}

// commaList is the non-empty, trimmed items of a comma-separated flag.
func commaList(v string) []string {
	var out []string
	for _, w := range strings.Split(v, ",") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}
