package apptest

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/db"
)

// Pumped waits until s's event pump has finished a round begun after the
// call, so that its caches heard of every change written before it, on
// any instance.
func Pumped(t testing.TB, s *app.Services) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Events.Sequence(ctx); err != nil { // PostgreSQL: number what was written
		t.Fatal(err)
	}
	// A round under way now may have begun before the call: wait for the
	// one after it.
	want := s.Pump.Rounds() + 2
	deadline := time.Now().Add(10 * time.Second)
	for s.Pump.Rounds() < want {
		if time.Now().After(deadline) {
			t.Fatalf("the event pump finished no round in 10 s")
		}
		s.Pump.Wake()
		time.Sleep(5 * time.Millisecond)
	}
}

// Statements serves req through e's whole handler in this goroutine and
// returns the response and how many statements it ran.
func (e *Env) Statements(t testing.TB, req *http.Request) (*httptest.ResponseRecorder, int) {
	t.Helper()
	ctx, n := db.CountStatements(req.Context())
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req.WithContext(ctx))
	return rec, n()
}

// SQLitePlan returns SQLite's EXPLAIN QUERY PLAN of query through q (a
// pool, a connection), a line a step.
func SQLitePlan(t testing.TB, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) string {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}
