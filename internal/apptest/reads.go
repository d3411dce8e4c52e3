package apptest

import (
	"context"
	"net/http"
	"net/http/httptest"
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
